import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logLifecycle } from '../observability/logging.ts'
import { genericSource } from '../sources/generic.ts'
import { HOOK_TOKEN, startTestService, type TestService } from './app.fixture.ts'

/**
 * A client that sends half a body and hangs up is logged once at info, with the request id:
 * error-level lines are for what an operator must look at.
 */
describe('a client that disconnects mid-body', () => {
  let h: TestService
  beforeAll(async () => {
    h = await startTestService()
  })
  afterAll(async () => h?.close())

  it('is an info line with the request id, not an error', async () => {
    const lines: { level: number; msg: string; requestId?: string }[] = []
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    logLifecycle(h.service.lifecycle, pino({ level: 'info' }, sink))
    const app = h.appWith({ sources: new Map([['generic', genericSource({ token: HOOK_TOKEN })]]) })
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as { port: number }
    try {
      for (const id of ['cut-1', 'cut-2']) {
        await new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write(
              `POST /hooks/generic HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${id}\r\n` +
                `Authorization: Bearer ${HOOK_TOKEN}\r\nContent-Type: application/json\r\n` +
                'Content-Length: 1000\r\n\r\n{"paths": ["/a',
            )
            setTimeout(() => socket.destroy(), 100)
          })
          socket.on('close', () => resolve())
        })
      }
      await expect
        .poll(() => lines.filter((l) => l.msg.includes('client closed')).map((l) => l.requestId))
        .toEqual(['cut-1', 'cut-2'])
      for (const line of lines.filter((l) => l.msg.includes('client closed'))) {
        expect(line.level).toBe(30)
      }
      expect(lines.filter((l) => l.level >= 50)).toEqual([])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
