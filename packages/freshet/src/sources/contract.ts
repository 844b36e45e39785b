import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../http/errors.ts'
import type { Source, SourceDelivery, SourceRequest } from './types.ts'

/**
 * The contract every source passes (`sourceContract('directus', {...})` in its test). A valid
 * request verifies and parses to changes or an ignore; a missing or wrong credential is a 401;
 * the wrong content type a 415; bad JSON a 400; and no request at all, however mangled, gets
 * anything but success or an HttpError 4xx out of `verify` or `parse`, never with a secret in it.
 */

export interface ValidBody {
  body: string
  /** Headers beside the credentials: the content type, a topic… */
  headers: Record<string, string>
}

export interface ContractSetup {
  /** A fresh source (one that remembers signatures must not see a request twice). */
  make(): Source
  /** An authenticated request (signed, where the source signs) with this body and headers. */
  request(body: string, headers: Record<string, string>): SourceRequest
  validBodies: readonly ValidBody[]
  withoutCredentials(request: SourceRequest): SourceRequest
  withWrongCredentials(request: SourceRequest): SourceRequest
  /** Values that must never appear in an error message or its details. */
  secrets: readonly string[]
  /** Headers the fuzzer sets, deletes and corrupts (credentials, signature, topic…). */
  headerNames: readonly string[]
  /** Generated requests in the fuzz test; 10,000 unless said. */
  fuzzRuns?: number
}

type Outcome = { ok: true; value?: SourceDelivery } | { ok: false; error: unknown }

async function attempt<T>(run: () => T | Promise<T>): Promise<Outcome> {
  try {
    const value = await run()
    return { ok: true, value: (value ?? undefined) as SourceDelivery | undefined }
  } catch (error) {
    return { ok: false, error }
  }
}

/** Fails unless the outcome is a success or an HttpError 4xx that names no secret. */
function expectAcceptable(outcome: Outcome, secrets: readonly string[]): void {
  if (outcome.ok) return
  const { error } = outcome
  if (!(error instanceof HttpError) || error.status < 400 || error.status > 499) {
    throw new Error(`expected success or an HttpError 4xx, got ${String(error)}`, { cause: error })
  }
  const text = `${error.message} ${JSON.stringify(error.details ?? null)}`
  for (const secret of secrets) {
    if (text.includes(secret)) throw new Error(`error message leaks a secret: ${error.message}`)
  }
}

async function expectStatus(run: () => unknown, status: number, secrets: readonly string[]) {
  const outcome = await attempt(run)
  expect(outcome.ok, 'expected an HttpError').toBe(false)
  if (outcome.ok) return
  expect(outcome.error).toBeInstanceOf(HttpError)
  expect((outcome.error as HttpError).status).toBe(status)
  expectAcceptable(outcome, secrets)
}

export function sourceContract(name: string, setup: ContractSetup): void {
  const first = setup.validBodies[0]
  if (!first) throw new Error(`[freshet] [contract] ${name}: give at least one valid body`)

  describe(`source contract: ${name}`, () => {
    it('verifies and parses every valid request to changes or an ignore', async () => {
      for (const valid of setup.validBodies) {
        const source = setup.make()
        const request = setup.request(valid.body, valid.headers)
        await source.verify(request)
        const delivery = source.parse(request)
        if ('ignored' in delivery) expect(delivery.ignored).toMatch(/\w/)
        else expect(delivery.changes.length).toBeGreaterThanOrEqual(1)
      }
    })

    it('refuses a missing credential with 401', async () => {
      const request = setup.withoutCredentials(setup.request(first.body, first.headers))
      await expectStatus(() => setup.make().verify(request), 401, setup.secrets)
    })

    it('refuses a wrong credential with 401', async () => {
      const request = setup.withWrongCredentials(setup.request(first.body, first.headers))
      await expectStatus(() => setup.make().verify(request), 401, setup.secrets)
    })

    it('answers the wrong content type with 415', async () => {
      const headers = { ...first.headers, 'content-type': 'text/plain' }
      const request = setup.request(first.body, headers)
      const source = setup.make()
      await source.verify(request)
      await expectStatus(() => source.parse(request), 415, setup.secrets)
    })

    it('answers invalid JSON with 400', async () => {
      const request = setup.request(`${first.body.slice(0, -1)},`, first.headers)
      const source = setup.make()
      await source.verify(request)
      await expectStatus(() => source.parse(request), 400, setup.secrets)
    })

    it('gives success or an HttpError 4xx for any generated or mutated request', async () => {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(setup), async (build) => {
          const request = build()
          const source = setup.make()
          expectAcceptable(await attempt(() => source.verify(request)), setup.secrets)
          expectAcceptable(await attempt(() => source.parse(request)), setup.secrets)
        }),
        { numRuns: setup.fuzzRuns ?? 10_000 },
      )
    }, 120_000)
  })
}

// ---- generators ------------------------------------------------------------------------------

type Build = () => SourceRequest

/** Printable ASCII: what a Headers value may hold without the constructor refusing it. */
const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
})

function requestArbitrary(setup: ContractSetup): fc.Arbitrary<Build> {
  const valid = fc.constantFrom(...setup.validBodies)
  const secret = fc.constantFrom(...setup.secrets)
  return fc.oneof(
    // A valid body, structurally mutated, then properly authenticated.
    fc.tuple(valid, fc.array(jsonEdit, { minLength: 1, maxLength: 4 })).map(
      ([v, edits]) =>
        () =>
          setup.request(mutateJson(v.body, edits), v.headers),
    ),
    // Random text or bytes as the body, authenticated.
    fc.tuple(valid, fc.oneof(fc.string({ maxLength: 300 }), bytesAsText)).map(
      ([v, body]) =>
        () =>
          setup.request(body, v.headers),
    ),
    // A valid body cut short, authenticated.
    fc.tuple(valid, fc.nat()).map(
      ([v, n]) =>
        () =>
          setup.request(v.body.slice(0, n % (v.body.length + 1)), v.headers),
    ),
    // A valid request whose headers are changed after signing.
    fc
      .tuple(valid, fc.constantFrom(...setup.headerNames, 'content-type'), fc.option(headerValue))
      .map(
        ([v, header, value]) =>
          () =>
            withHeader(setup.request(v.body, v.headers), header, value),
      ),
    // A valid request whose body is changed after signing.
    fc.tuple(valid, fc.string({ minLength: 1, maxLength: 20 })).map(([v, extra]) => () => ({
      ...setup.request(v.body, v.headers),
      rawBody: `${v.body}${extra}`,
    })),
    // A valid request with the secret put where it could be echoed: headers and the query.
    fc
      .tuple(valid, fc.constantFrom(...setup.headerNames), secret, fc.boolean())
      .map(([v, header, s, inQuery]) => () => {
        const request = withHeader(
          setup.withWrongCredentials(setup.request(v.body, v.headers)),
          header,
          s,
        )
        return inQuery
          ? { ...request, url: `${request.url}${request.url.includes('?') ? '&' : '?'}x=${s}` }
          : request
      }),
    // Credentials taken away or replaced.
    valid.map((v) => () => setup.withoutCredentials(setup.request(v.body, v.headers))),
    valid.map((v) => () => setup.withWrongCredentials(setup.request(v.body, v.headers))),
  )
}

const bytesAsText = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => Buffer.from(bytes).toString('utf8'))

function withHeader(request: SourceRequest, name: string, value: string | null): SourceRequest {
  const headers = new Headers(request.headers)
  if (value === null) headers.delete(name)
  else headers.set(name, value)
  return { ...request, headers }
}

interface JsonEdit {
  at: number
  op: 'set' | 'delete' | 'wrap' | 'add'
  /** For `add`: the new key, or (a number) the key of another slot, so known names recur. */
  key: string | number
  value: unknown
}

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('set', 'delete', 'wrap', 'add'),
  key: fc.oneof(fc.nat(), fc.string({ maxLength: 8 })),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('', 0, -1, 1e308, null, [], {})),
})

/** Applies edits at positions counted over every value in the document (the root included). */
function mutateJson(body: string, edits: readonly JsonEdit[]): string {
  let doc: unknown = JSON.parse(body)
  for (const edit of edits) doc = applyEdit(doc, edit)
  return JSON.stringify(doc) ?? 'null'
}

function applyEdit(doc: unknown, edit: JsonEdit): unknown {
  const slots = collectSlots(doc)
  const slot = slots[edit.at % slots.length]
  if (!slot) return doc
  if (edit.op === 'add') return addKey(doc, slot, slots, edit)
  // Cloned: the generator's constants are shared objects, and sharing could make a cycle.
  const replacement = edit.op === 'wrap' ? [slot.get()] : structuredClone(edit.value)
  if (!slot.parent) return edit.op === 'delete' ? null : replacement
  if (edit.op === 'delete' && !Array.isArray(slot.parent)) delete slot.parent[slot.key]
  else (slot.parent as Record<string | number, unknown>)[slot.key] = replacement
  return doc
}

/** Adds a key to the object at the slot, named after another slot's key or freshly. */
function addKey(doc: unknown, slot: Slot, slots: Slot[], edit: JsonEdit): unknown {
  const target = slot.get()
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return doc
  const key = typeof edit.key === 'number' ? String(slots[edit.key % slots.length]?.key) : edit.key
  ;(target as Record<string, unknown>)[key] = structuredClone(edit.value)
  return doc
}

interface Slot {
  parent?: Record<string, unknown> | unknown[]
  key: string | number
  get(): unknown
}

function collectSlots(doc: unknown): Slot[] {
  const slots: Slot[] = [{ key: '', get: () => doc }]
  const visit = (value: unknown) => {
    if (typeof value !== 'object' || value === null) return
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) {
      slots.push({ parent: record, key, get: () => record[key] })
      visit(record[key])
    }
  }
  visit(doc)
  return slots
}
