import { z } from 'zod'
import { pathProblem, tagProblem } from '../core/limits.ts'
import { unauthorized } from '../http/errors.ts'
import { bearerToken, secretMatches } from './auth.ts'
import { parseJsonBody } from './json.ts'
import type { Source, SourceRequest } from './types.ts'

const path = z.string().superRefine((value, ctx) => {
  const problem = pathProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: `path ${problem}` })
})
const tag = z.string().superRefine((value, ctx) => {
  const problem = tagProblem(value)
  if (problem) ctx.addIssue({ code: 'custom', message: `tag ${problem}` })
})

export const genericBody = z
  .strictObject({
    paths: z.array(path).max(10_000).optional(),
    tags: z.array(tag).max(10_000).optional(),
  })
  .refine((body) => (body.paths?.length ?? 0) + (body.tags?.length ?? 0) > 0, {
    message: 'give at least one path or tag',
  })

export interface GenericSourceOptions {
  token: string
}

/** `POST /hooks/generic` with `Authorization: Bearer <token>` and `{"paths", "tags"}`. */
export function genericSource(options: GenericSourceOptions): Source {
  return {
    name: 'generic',
    verify(request: SourceRequest) {
      if (!secretMatches(bearerToken(request.headers), options.token)) {
        throw unauthorized('generic: missing or wrong Bearer token')
      }
    },
    parse(request: SourceRequest) {
      const body = parseJsonBody(request, genericBody)
      return {
        changes: [
          { kind: 'purge', source: 'generic', paths: body.paths ?? [], tags: body.tags ?? [] },
        ],
      }
    },
  }
}
