import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { serve } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES } from '../core/limits.ts'
import { ADMIN_TOKEN, HOOK_TOKEN, startTestService, type TestService } from './app.fixture.ts'

/**
 * A lying `Content-Length` on a real socket, through the same `serve` as `freshet serve`: Node's
 * parser holds the body to the declared length, so a shorter body waits for bytes that never
 * come and a longer one leaves bytes that read as a next request. Neither may get a 5xx or take
 * the server down, and a good webhook after them completes.
 */

const HEAD = `Host: x\r\nAuthorization: Bearer ${HOOK_TOKEN}\r\nContent-Type: application/json\r\n`

/**
 * Sends raw bytes and collects what comes back until the server closes. `halfClose` ends the
 * client's side after writing (a sender that stops short); otherwise it hangs up after `holdMs`.
 */
function exchange(port: number, raw: string, options: { halfClose?: boolean; holdMs?: number }) {
  return new Promise<string>((resolve, reject) => {
    let answer = ''
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(raw)
      if (options.halfClose) socket.end()
    })
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      answer += chunk
    })
    // An upper bound, not a measurement: a request still waiting for its body is given up.
    const hold = setTimeout(() => socket.destroy(), options.holdMs ?? 2_000)
    socket.on('close', () => {
      clearTimeout(hold)
      resolve(answer)
    })
    socket.on('error', reject)
  })
}

const statuses = (answer: string) =>
  [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))

describe('a lying Content-Length on a real socket', () => {
  let h: TestService
  let server: ReturnType<typeof serve>
  let port: number
  beforeAll(async () => {
    h = await startTestService()
    server = serve({ fetch: h.service.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    port = (server.address() as AddressInfo).port
  }, 60_000)
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await h?.close()
  })

  const body = '{"paths":["/lying/short"]}'

  // What each may answer. Bytes past the declared length read as a next request: Node's parser
  // answers that 400 itself and closes, which may cut an earlier answer off.
  it.each([
    ['more than is sent, then the sender stops', 1_000, body, true, [400]],
    ['more than is sent, then the sender hangs up', 1_000, body, false, []],
    ['more than the limit, with a short body', MAX_BODY_BYTES + 1, body, true, [413, 400]],
    ['less than is sent, the connection kept', 5, body, false, [400]],
    ['less than is sent, then the sender stops', 5, body, true, [400]],
    ['the JSON, then a next request cut short', body.length, `${body}POST /`, false, [202]],
    ['the JSON, then bytes no request starts with', body.length, `${body}x`, false, [202, 400]],
    ['not a number', 'ten', body, true, [400]],
  ])('promising %s: no 5xx', async (_, length, sent, halfClose, allowed) => {
    const errors: unknown[] = []
    const onError = (e: { error: unknown }) => errors.push(e.error)
    h.service.lifecycle.on('pipeline:error', onError)
    const raw = `POST /hooks/generic HTTP/1.1\r\n${HEAD}Content-Length: ${length}\r\n\r\n${sent}`
    const answer = await exchange(port, raw, { halfClose, holdMs: 1_000 })
    h.service.lifecycle.off('pipeline:error', onError)
    const got = statuses(answer)
    expect(
      got.filter((status) => status >= 500),
      answer,
    ).toEqual([])
    expect(
      got.filter((status) => !allowed.includes(status)),
      answer,
    ).toEqual([])
    // A request given up mid-body is not an error inside either (it would be a 500 unseen).
    expect(errors).toEqual([])
  })

  it('stays up: a good webhook after them is accepted and completes', async () => {
    const base = `http://127.0.0.1:${port}`
    const response = await fetch(`${base}/hooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${HOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['/lying/after'] }),
    })
    expect(response.status).toBe(202)
    const { id } = (await response.json()) as { id: string }
    await expect
      .poll(
        async () => {
          const event = await fetch(`${base}/api/events/${id}`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
          return ((await event.json()) as { status: string }).status
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe('completed')
  }, 60_000)
})
