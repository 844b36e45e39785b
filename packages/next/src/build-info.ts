import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { BuildInfo } from './protocol.ts'

/** `.next` of the app the server runs in (`next start` runs in the app's directory). */
export const defaultDistDir = () => join(process.cwd(), '.next')

/**
 * The build id and time of the running build. The time is the mtime of `BUILD_ID`, which
 * `next build` writes once at the end: no build-time hook needed, and image layers
 * (`COPY`, `docker build`) keep mtimes.
 */
export async function readBuildInfo(distDir: string): Promise<BuildInfo> {
  const file = join(distDir, 'BUILD_ID')
  const [buildId, stats] = await Promise.all([readFile(file, 'utf8'), stat(file)])
  return { buildId: buildId.trim(), buildTime: stats.mtime.toISOString() }
}

/** Reads once per process: a running server never changes build. */
export function cachedBuildInfo(distDir: string): () => Promise<BuildInfo> {
  let info: Promise<BuildInfo> | undefined
  return () => {
    info ??= readBuildInfo(distDir).catch((cause: unknown) => {
      info = undefined
      throw new Error(`[freshet] [next] cannot read ${distDir}/BUILD_ID`, { cause })
    })
    return info
  }
}
