#!/usr/bin/env node
// The compiled CLI (npm's `prepare` builds it); from a checkout without a build, the sources
// (Node >= 22.18 runs TypeScript directly).
import { existsSync } from 'node:fs'

const dist = new URL('../dist/cli/main.js', import.meta.url)
await import(existsSync(dist) ? dist.href : new URL('../src/cli/main.ts', import.meta.url).href)
