#!/usr/bin/env node
// The compiled CLI (npm's `prepare` builds it); from a checkout without a build, the sources
// (Node >= 22.18 runs TypeScript directly). First of all, a Node too old says so in one line.
import { existsSync } from 'node:fs'
import { requireSupportedNode } from './node-check.js'

requireSupportedNode()
const dist = new URL('../dist/cli/main.js', import.meta.url)
await import(existsSync(dist) ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href)
