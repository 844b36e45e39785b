import { readdirSync, readFileSync } from 'node:fs'

/**
 * A process's name and the CPU it has used so far, in ms (user + system, from
 * `/proc/<pid>/stat`; the kernel counts in 10 ms ticks). Undefined when it is gone.
 */
export function processCpu(pid: number | string): { name: string; ms: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The name is in parentheses and may hold spaces; the fields after it are plain.
  const close = stat.lastIndexOf(')')
  const fields = stat.slice(close + 2).split(' ')
  return {
    name: stat.slice(stat.indexOf('(') + 1, close),
    ms: (Number(fields[11]) + Number(fields[12])) * 10,
  }
}

/**
 * The CPU every PostgreSQL process on this machine has used so far, in ms. Two readings around
 * a measurement give what PostgreSQL spent on it, when PostgreSQL runs here and nothing else
 * uses it meanwhile. A process that exits between the readings takes its time with it, so read
 * while the measured server still holds its connections. Undefined where `/proc` is missing.
 */
export function postgresCpuMs(): number | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  let ms = 0
  for (const pid of pids) {
    const cpu = processCpu(pid)
    if (cpu?.name === 'postgres') ms += cpu.ms
  }
  return ms
}
