#!/usr/bin/env node
// First of all, a Node too old says so in one line. Then the CLI: in a checkout its sources
// (every supported Node runs TypeScript directly, so an edit counts at once and a stale build
// never runs); in the published package, which has no sources, the build (npm's `prepare`).
import { existsSync } from 'node:fs'
import { requireSupportedNode } from './node-check.js'

requireSupportedNode()
const source = new URL('../src/cli/main.ts', import.meta.url)
const built = new URL('../dist/cli/main.js', import.meta.url)
await import(existsSync(source) ? source.href : built.href)
