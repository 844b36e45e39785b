import { readdirSync, readFileSync } from 'node:fs'

/**
 * The CPU every PostgreSQL process on this machine has used so far, in ms (user + system, from
 * `/proc/<pid>/stat`; the kernel counts in 10 ms ticks). Two readings around a measurement give
 * what PostgreSQL spent on it, when PostgreSQL runs here and nothing else uses it meanwhile.
 * A process that exits between the readings takes its time with it, so read while the measured
 * server still holds its connections. Undefined where `/proc` is missing.
 */
export function postgresCpuMs(): number | undefined {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  let ticks = 0
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const open = stat.indexOf('(')
      const close = stat.lastIndexOf(')')
      if (stat.slice(open + 1, close) !== 'postgres') continue
      const fields = stat.slice(close + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // Exited while being read.
    }
  }
  return ticks * 10
}
