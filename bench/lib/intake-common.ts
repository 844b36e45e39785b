/**
 * What a bench's parent shares with the servers it forks. Kept apart from the server scripts:
 * importing one of those would run it (a whole freshet service) inside the load generator.
 */
export const HOOK_TOKEN = 'bench-hook-token-0123456789'

/** What a bench server answers on 'sample': its CPU so far, and timings since the last sample. */
export interface ServerSample {
  /** The process's CPU time so far (user + system), in ms. */
  cpuMs: number
  /** The main thread's alone, where webhooks are answered (the pipeline may have its own). */
  mainThreadCpuMs: number
  /** Event-loop delay: how long work that was ready waited for the loop. */
  loopDelayP99Ms: number
  loopDelayMaxMs: number
  /** From the app's handler being called to its answer: what the server itself took. */
  handledP50Ms: number
  handledP99Ms: number
}
