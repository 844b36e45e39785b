import { open, readFile, rm } from 'node:fs/promises'

/**
 * Runs `task` while holding a lock file, across processes (parallel vitest forks). A lock whose
 * owner process is gone is taken over.
 */
export async function withFileLock<T>(path: string, task: () => Promise<T>): Promise<T> {
  await acquire(path)
  try {
    return await task()
  } finally {
    await rm(path, { force: true })
  }
}

async function acquire(path: string): Promise<void> {
  for (;;) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = Number(await readFile(path, 'utf8').catch(() => ''))
    if (owner && !alive(owner)) await rm(path, { force: true })
    else await new Promise((wake) => setTimeout(wake, 250))
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
