/**
 * Kubernetes label selectors, the equality-based subset: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * joined by commas. Set-based forms (`k in (a,b)`) are refused, so a test that needs them fails
 * loudly instead of matching everything.
 */

export type Labels = Record<string, string> | undefined
export type LabelMatcher = (labels: Labels) => boolean

const requirement = /^(!?)([A-Za-z0-9._/-]+)(?:\s*(==|=|!=)\s*([A-Za-z0-9._-]*))?$/

export function parseLabelSelector(selector: string | undefined): LabelMatcher {
  const text = selector?.trim() ?? ''
  if (text === '') return () => true
  const tests = text.split(',').map((part) => parseRequirement(part.trim()))
  return (labels) => tests.every((test) => test(labels ?? {}))
}

function parseRequirement(part: string): (labels: Record<string, string>) => boolean {
  const match = requirement.exec(part)
  if (!match) throw new Error(`unsupported label selector requirement "${part}"`)
  const [, not, key = '', operator, value = ''] = match
  if (operator === undefined) {
    return not ? (labels) => !(key in labels) : (labels) => key in labels
  }
  if (not) throw new Error(`unsupported label selector requirement "${part}"`)
  if (operator === '!=') return (labels) => labels[key] !== value
  return (labels) => labels[key] === value
}
