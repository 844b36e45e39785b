import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import type { Hono } from 'hono'

/** Serves a Hono app on 127.0.0.1 (a free port) when asked, and closes it. */
export function loopbackServer(app: Hono) {
  let server: ReturnType<typeof createAdaptorServer> | undefined
  return {
    async listen(): Promise<string> {
      const started = createAdaptorServer({ fetch: app.fetch })
      server = started
      await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve))
      return `http://127.0.0.1:${(started.address() as AddressInfo).port}`
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    },
  }
}
