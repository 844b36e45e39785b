import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FORWARDED_HEADER, forwardPaths, forwardTags, ownOrigins } from './forward.ts'

/** A stand-in companion that answers what the real one would, and remembers what it got. */
let server: Server
let url: string
const received: { headers: IncomingMessage['headers']; body: string }[] = []

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    received.push({ headers: req.headers, body })
    const parsed = JSON.parse(body) as { paths?: string[]; tags?: string[] }
    if (req.url === '/broken') return res.writeHead(404).end('Not Found')
    res.writeHead(207, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        paths: (parsed.paths ?? []).map((path) => ({ path, ok: path !== '/bad', error: 'nope' })),
        tags: (parsed.tags ?? []).map((tag) => ({ tag, ok: true })),
      }),
    )
  })
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((closed) => server.close(closed)))

const refused = 'http://127.0.0.1:1'

describe('forward', () => {
  it('sends the token and the hop marker, and maps results back', async () => {
    const results = await forwardPaths(['/ok', '/bad'], {
      urls: [`${url}/api/revalidate-paths`],
      token: 'secret',
      timeoutMs: 5000,
    })
    expect(results).toEqual([
      { path: '/ok', ok: true, error: 'nope' },
      { path: '/bad', ok: false, error: 'nope' },
    ])
    const last = received.at(-1)
    expect(last?.headers.authorization).toBe('Bearer secret')
    expect(last?.headers[FORWARDED_HEADER]).toBe('1')
    expect(JSON.parse(last?.body ?? '')).toEqual({ paths: ['/ok', '/bad'] })
  })

  it('tries the next origin while one is unreachable', async () => {
    const urls = [`${refused}/api/revalidate`, `${url}/api/revalidate`]
    expect(await forwardTags(['a'], { urls, token: 't', timeoutMs: 5000 })).toEqual([
      { tag: 'a', ok: true },
    ])
  })

  it('fails every item, saying why, when the companion is missing or unreachable', async () => {
    const missing = await forwardTags(['a'], {
      urls: [`${url}/broken`],
      token: 't',
      timeoutMs: 5000,
    })
    expect(missing[0]).toMatchObject({ ok: false, error: expect.stringContaining('answered 404') })
    const gone = await forwardPaths(['/x'], { urls: [refused], token: 't', timeoutMs: 5000 })
    expect(gone[0]).toMatchObject({ ok: false, error: expect.stringContaining('unreachable') })
  })

  it('prefers an explicit origin, then loopback on $PORT, then where the request arrived', () => {
    const saved = process.env.PORT
    process.env.PORT = '3123'
    try {
      expect(ownOrigins('http://10.0.0.7:3000/', 'http://x:1')).toEqual(['http://10.0.0.7:3000'])
      expect(ownOrigins(undefined, 'http://10.0.0.7:3123')).toEqual([
        'http://127.0.0.1:3123',
        'http://10.0.0.7:3123',
      ])
      delete process.env.PORT
      expect(ownOrigins(undefined, 'http://10.0.0.7:3123')).toEqual(['http://10.0.0.7:3123'])
    } finally {
      if (saved === undefined) delete process.env.PORT
      else process.env.PORT = saved
    }
  })
})
