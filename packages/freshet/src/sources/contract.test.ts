import { sourceContract } from './contract.ts'
import { genericSource } from './generic.ts'
import type { SourceRequest } from './types.ts'

// The generic source runs the same contract as the CMS sources (their tests run it for them).
const TOKEN = 'generic-hook-token-0123456789'

sourceContract('generic', {
  make: () => genericSource({ token: TOKEN }),
  request: (body, headers): SourceRequest => ({
    method: 'POST',
    url: 'https://freshet.test/hooks/generic',
    headers: new Headers({ authorization: `Bearer ${TOKEN}`, ...headers }),
    rawBody: body,
  }),
  validBodies: [
    {
      body: JSON.stringify({ paths: ['/', '/articles/hello'] }),
      headers: { 'content-type': 'application/json' },
    },
    {
      body: JSON.stringify({ tags: ['articles'], paths: [] }),
      headers: { 'content-type': 'application/json' },
    },
  ],
  withoutCredentials: (r) => ({
    ...r,
    headers: new Headers({ 'content-type': 'application/json' }),
  }),
  withWrongCredentials: (r) => {
    const headers = new Headers(r.headers)
    headers.set('authorization', 'Bearer not-the-token')
    return { ...r, headers }
  },
  secrets: [TOKEN],
  headerNames: ['authorization'],
})
