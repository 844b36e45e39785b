/**
 * Preloaded into a measured process (`node --import bench/lib/memory-probe.ts …` with
 * MEMORY_PROBE=<file>): every 100 ms it writes `process.memoryUsage()` now, the sample at the
 * highest RSS so far and each field's own maximum to that file, so a bench can say where the
 * memory goes (V8 heap, external and array buffers, or the rest: WebAssembly memory, malloc).
 */
import { renameSync, writeFileSync } from 'node:fs'

const file = process.env.MEMORY_PROBE
if (file) {
  type Usage = ReturnType<typeof process.memoryUsage>
  let atPeak: Usage | undefined
  const max: Record<string, number> = {}
  const sample = () => {
    const now = process.memoryUsage()
    if (!atPeak || now.rss > atPeak.rss) atPeak = now
    for (const [key, value] of Object.entries(now)) max[key] = Math.max(max[key] ?? 0, value)
    // Whole or not at all: the bench may read it at any moment.
    writeFileSync(`${file}.tmp`, JSON.stringify({ now, atPeak, max }))
    renameSync(`${file}.tmp`, file)
  }
  sample()
  setInterval(sample, 100).unref()
}
