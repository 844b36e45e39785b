import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'

/**
 * The machine a run measured, for the figures' heading: a virtual machine's CPU name alone
 * ("AMD EPYC") hides generations whose speed differs 2–4×, so the family and model go with it.
 */
export function describeMachine(): string {
  const cpuInfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8')
    } catch {
      return ''
    }
  })()
  const field = (name: string) => cpuInfo.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1]
  const family = field('cpu family')
  const model = field('model')
  const generation = family && model ? ` (family ${family}, model ${model})` : ''
  const memory = Math.round(totalmem() / 2 ** 30)
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}${generation}, ${memory} GiB, Node ${process.version}`
}
