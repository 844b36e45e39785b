/** The planner's config block (`planner:` in freshet.yaml), with every default. */
import { z } from 'zod'
import { DEFAULT_MAX_WAIT_MS, DEFAULT_WINDOW_MS } from '../core/coalesce.ts'
import { contentfulApiConfig } from '../sources/contentful/api.ts'
import { directusApiConfig } from '../sources/directus/api.ts'
import { cmsRetryConfig } from './cms-http.ts'

export const coalesceConfig = z
  .strictObject({
    windowMs: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_WINDOW_MS)
      .describe('Changes arriving within this many ms of the last one join the same batch.'),
    maxWaitMs: z
      .number()
      .int()
      .min(0)
      .default(DEFAULT_MAX_WAIT_MS)
      .describe('A batch closes at most this many ms after its first change, however busy.'),
  })
  .describe('How changes are coalesced into batches.')

export const plannerConfig = z
  .strictObject({
    stageAttempts: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(6)
      .describe(
        'Times planning is tried (with backoff, 1 s doubling) before the event fails, e.g. while the CMS is down.',
      ),
    depthLimit: z
      .number()
      .int()
      .min(0)
      .max(20)
      .default(5)
      .describe('How many levels of references the planner climbs from a changed item to pages.'),
    throughRoutedItems: z
      .boolean()
      .default(false)
      .describe('Keep climbing above items that have routes (pages embedded in other pages).'),
    relationsTtlMs: z
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe(
        'How long the Directus relations (GET /relations) are reused before reading again.',
      ),
    coalesce: coalesceConfig.prefault({}),
    retry: cmsRetryConfig.prefault({}),
    directus: directusApiConfig.prefault({}),
    contentful: contentfulApiConfig.prefault({}),
  })
  .describe('Planning: which pages a change affects (parents, route rules, old routes).')

export type PlannerConfig = z.output<typeof plannerConfig>
