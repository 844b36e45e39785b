import { describe, expect, it } from 'vitest'
import { ProtocolError, parseRevalidateBody, parseRevalidateText, statusOf } from './protocol.ts'

const rejection = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    if (error instanceof ProtocolError)
      return { status: error.status, code: error.code, message: error.message }
    throw error
  }
  throw new Error('expected a ProtocolError')
}

describe('parseRevalidateBody', () => {
  it('takes paths and tags, either alone, deduplicated', () => {
    expect(parseRevalidateBody({ paths: ['/a', '/a', '/b/c'], tags: ['articles'] })).toEqual({
      paths: ['/a', '/b/c'],
      tags: ['articles'],
    })
    expect(parseRevalidateBody({ tags: ['articles:1'] })).toEqual({
      paths: [],
      tags: ['articles:1'],
    })
  })

  it.each([
    [null, 'invalid_body'],
    [{ paths: '/a' }, 'invalid_body'],
    [{ paths: [1] }, 'invalid_body'],
    [{ paths: ['a'] }, 'invalid_path'],
    [{ paths: ['//evil.example/x'] }, 'invalid_path'],
    [{ paths: ['/a?b=1'] }, 'invalid_path'],
    [{ paths: ['/a b'] }, 'invalid_path'],
    [{ tags: [''] }, 'invalid_tag'],
    [{ tags: ['x'.repeat(257)] }, 'invalid_tag'],
    [{ paths: Array.from({ length: 1001 }, (_, i) => `/${i}`) }, 'too_many'],
    [{ paths: [], tags: [] }, 'empty_request'],
    [{ paths: ['/'], purge: true }, 'unknown_field'],
  ])('rejects %j with 400 %s', (body, code) => {
    expect(rejection(() => parseRevalidateBody(body))).toMatchObject({ status: 400, code })
  })

  it('names the bad item in the message', () => {
    expect(rejection(() => parseRevalidateBody({ paths: ['/ok', 'nope'] })).message).toContain(
      '"paths[1]" ("nope")',
    )
  })

  it('reports malformed JSON', () => {
    expect(rejection(() => parseRevalidateText('{"paths":'))).toMatchObject({
      code: 'invalid_json',
    })
  })
})

describe('statusOf', () => {
  it('is 200 when all are ok and 207 when any failed', () => {
    expect(statusOf({ paths: [{ path: '/', ok: true }], tags: [] })).toBe(200)
    expect(statusOf({ paths: [{ path: '/', ok: true }], tags: [{ tag: 't', ok: false }] })).toBe(
      207,
    )
  })
})
