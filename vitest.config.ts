import { defineConfig } from 'vitest/config'
import { requireSupportedNode } from './packages/freshet/bin/node-check.js'

// On a Node too old, one line that says so instead of tests that hang inside undici.
requireSupportedNode()

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 240_000,
    pool: 'forks',
    globalSetup: ['packages/freshet/test/global-setup.ts'],
  },
})
