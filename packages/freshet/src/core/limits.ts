/**
 * Input limits shared by the sources, the API and the planner. Pure. Paths and tags are the pod
 * protocol's limits (from `@freshet/next/protocol`, which the pods enforce): freshet accepts only
 * what every pod will.
 */
import { MAX_PATH_LENGTH, MAX_TAG_LENGTH } from '@freshet/next/protocol'

export { MAX_PATH_LENGTH, MAX_TAG_LENGTH }
export const MAX_BODY_BYTES = 1024 * 1024

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/

/** Why a path is unacceptable, or undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with "/"'
  if (path.length > MAX_PATH_LENGTH) return `is longer than ${MAX_PATH_LENGTH} characters`
  if (CONTROL.test(path)) return 'contains a control character'
  return undefined
}

/** Why a tag is unacceptable: 1–256 printable ASCII characters, no comma (CloudFront splits on it). */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'is empty'
  if (tag.length > MAX_TAG_LENGTH) return `is longer than ${MAX_TAG_LENGTH} characters`
  if (!/^[\x21-\x7e]+$/.test(tag)) return 'must be printable ASCII without spaces'
  if (tag.includes(',')) return 'must not contain a comma'
  return undefined
}
