import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startVarnish, type Varnish } from '@freshet/emulators/varnish'
import { afterAll } from 'vitest'
import { targetContract } from '../contract.ts'
import { varnishLimits, varnishTarget } from './target.ts'

// Real varnishd, started once for the file: one that lets loopback purge, one that does not.
let open: Promise<[Varnish, Varnish]> | undefined
const varnishes = () => {
  open ??= Promise.all([
    startVarnish({ backends: ['http://127.0.0.1:9'] }),
    startVarnish({ backends: ['http://127.0.0.1:9'], purgers: ['192.0.2.1'] }),
  ])
  return open
}
afterAll(async () => {
  if (open) for (const v of await open) await v.close()
})

interface Seen {
  method: string
  path: string
  headers: Headers
}

/**
 * In front of Varnish: answers the faults the contract asks for (Varnish itself neither throttles
 * nor fails on demand), forwards the rest and records what Varnish accepted.
 */
async function faultProxy(upstream: string) {
  const faults: ('throttle' | 'fail')[] = []
  const accepted: Seen[] = []
  // node:http, not a Fetch-API server: those refuse methods such as BAN.
  const server = createServer((request, response) => {
    const fault = faults.shift()
    if (fault === 'throttle') return response.writeHead(429, { 'retry-after': '1' }).end()
    if (fault === 'fail') return response.writeHead(503).end('backend fetch failed')
    // Only freshet's purge headers: hop-by-hop ones are not the proxy's to pass on.
    const headers = new Headers()
    for (const name of ['xkey-purge', 'x-freshet-ban', 'x-freshet-soft']) {
      const value = request.headers[name]
      if (typeof value === 'string') headers.set(name, value)
    }
    const path = request.url ?? '/'
    fetch(new URL(path, upstream), { method: request.method ?? 'GET', headers }).then(
      async (answer) => {
        if (answer.ok) accepted.push({ method: request.method ?? '', path, headers })
        response.writeHead(answer.status, answer.statusText).end(await answer.text())
      },
      () => response.writeHead(502).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    accepted,
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** What Varnish accepted, spelled as freshet's items. */
function items(seen: Seen[]): string[] {
  return seen.flatMap((s) => {
    const keys = s.headers.get('xkey-purge')
    if (keys) return keys.split(' ').map((k) => `#${k}`)
    const ban = s.headers.get('x-freshet-ban')
    if (ban) return [`${ban.slice(1).replace(/\\(.)/g, '$1')}*`]
    return [s.path]
  })
}

targetContract(
  'varnish',
  async () => {
    const [allowed, refusing] = await varnishes()
    const proxy = await faultProxy(allowed.url)
    return {
      target: varnishTarget({ id: 'contract', instances: async () => [proxy.url] }),
      refused: varnishTarget({ id: 'refusing', instances: async () => [refusing.url] }),
      purged: () => items(proxy.accepted),
      accepted: () => proxy.accepted.length,
      overLimit: () => 0,
      throttleNext: (count) => {
        for (let i = 0; i < count; i++) proxy.faults.push('throttle')
      },
      failNext: (count) => {
        for (let i = 0; i < count; i++) proxy.faults.push('fail')
      },
      teardown: async () => {
        await proxy.close()
      },
    }
  },
  { tags: true, wildcards: true, tracked: false, idempotent: false, limits: varnishLimits },
)
