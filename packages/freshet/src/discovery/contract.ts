/**
 * The suite every discovery adapter passes (test helper, imported by `*.test.ts` only). An
 * adapter's test file calls `discoveryContract(name, setup)` and adds its own specifics.
 *
 * "Within a bounded time" below is a deadline for eventual consistency (a watch or a DNS interval
 * takes a moment), never a measure of speed: a working adapter passes far inside it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { uniquePods } from './pods.ts'
import type { Discovery, Pod } from './types.ts'

export interface DiscoveryFixture {
  discovery: Discovery
  /** The pods the source holds after setup, as `list()` must report them. */
  expected: Pod[]
  /** Makes one more pod appear in the source; absent when the source cannot change (static). */
  addPod?(): Promise<Pod>
  /** Makes a pod disappear from the source. */
  removePod?(pod: Pod): Promise<void>
  /** Stops whatever setup started besides the discovery (servers). */
  teardown?(): Promise<void>
}

const deadlineMs = 5_000

export async function eventually<T>(
  read: () => T | Promise<T>,
  accept: (value: T) => boolean,
  what: string,
): Promise<T> {
  const until = Date.now() + deadlineMs
  for (;;) {
    const value = await read()
    if (accept(value)) return value
    if (Date.now() > until)
      throw new Error(`not within ${deadlineMs} ms: ${what}; last ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const has = (pods: Pod[], pod: Pod) => pods.some((p) => p.id === pod.id && p.url === pod.url)

/** Handles that keep the process alive: a leaked socket or timer shows up here. */
function liveHandles(): number {
  if (process.env.FRESHET_DEBUG_HANDLES) console.log(process.getActiveResourcesInfo())
  return process.getActiveResourcesInfo().length
}

export interface DiscoveryFeatures {
  /** The source can change (the fixture has `addPod` and `removePod`). */
  changes: boolean
  /** The adapter implements `watch`. */
  watch: boolean
}

export function discoveryContract(
  name: string,
  setup: () => Promise<DiscoveryFixture>,
  features: DiscoveryFeatures,
): void {
  // Tests that do not apply are not registered (rather than skipped at run time).
  const changing = features.changes ? it : undefined
  const watching = features.watch ? it : undefined
  const both = features.changes && features.watch ? it : undefined

  describe(`discovery contract: ${name}`, () => {
    let fixture: DiscoveryFixture
    let baseline = 0
    let closed = false

    beforeEach(async () => {
      closed = false
      fixture = await setup()
      // Measured with the source up and the discovery not yet used (adapters start lazily).
      baseline = liveHandles()
    })
    afterEach(async () => {
      if (!closed) await fixture.discovery.close?.()
      await fixture.teardown?.()
    })

    it('lists the current pods with ids and base URLs, without duplicates', async () => {
      const pods = await fixture.discovery.list()
      expect(pods).toEqual(uniquePods(fixture.expected))
      expect(new Set(pods.map((pod) => pod.id)).size).toBe(pods.length)
      expect(new Set(pods.map((pod) => pod.url)).size).toBe(pods.length)
      expect(typeof fixture.discovery.watch === 'function').toBe(features.watch)
      expect(typeof fixture.addPod === 'function').toBe(features.changes)
      for (const pod of pods) {
        expect(pod.id).not.toBe('')
        expect(new URL(pod.url).protocol).toMatch(/^https?:$/)
        expect(pod.url.endsWith('/')).toBe(false)
      }
    })

    changing?.('reflects additions and removals in list()', async () => {
      const { addPod, removePod } = required(fixture)
      const added = await addPod()
      await eventually(
        () => fixture.discovery.list(),
        (pods) => has(pods, added),
        'added pod listed',
      )
      await removePod(added)
      await eventually(
        () => fixture.discovery.list(),
        (pods) => !has(pods, added),
        'pod gone',
      )
    })

    watching?.('watch() reports the current pods, then each change', async () => {
      const { addPod, removePod, discovery } = fixture
      const reports: Pod[][] = []
      const stop = watchOf(discovery)((pods) => reports.push(pods))
      try {
        const last = () => reports.at(-1) ?? []
        await eventually(last, (pods) => pods.length === fixture.expected.length, 'first report')
        expect(last()).toEqual(uniquePods(fixture.expected))
        if (!addPod || !removePod) return
        const added = await addPod()
        await eventually(last, (pods) => has(pods, added), 'addition reported')
        await removePod(added)
        await eventually(last, (pods) => !has(pods, added), 'removal reported')
        for (const report of reports) expect(report).toEqual(uniquePods(report))
      } finally {
        stop()
      }
    })

    both?.('stops reporting to a listener once it unsubscribes', async () => {
      const { addPod } = required(fixture)
      const watch = watchOf(fixture.discovery)
      const stopped: Pod[][] = []
      const witness: Pod[][] = []
      const stopWitness = watch((pods) => witness.push(pods))
      const unsubscribe = watch((pods) => stopped.push(pods))
      await eventually(
        () => stopped.length + witness.length,
        (n) => n >= 2,
        'first reports',
      )
      unsubscribe()
      const before = stopped.length
      const added = await addPod()
      // The witness is fed by the same source: once it saw the pod, the other would have too.
      await eventually(
        () => witness.at(-1) ?? [],
        (pods) => has(pods, added),
        'witness report',
      )
      stopWitness()
      expect(stopped.length).toBe(before)
    })

    it('close() stops watching and leaves no open handles', async () => {
      const { discovery, addPod } = fixture
      let reports = 0
      if (discovery.watch) {
        discovery.watch(() => reports++)
        await eventually(
          () => reports,
          (n) => n > 0,
          'first report',
        )
      }
      await discovery.close?.()
      closed = true
      const reportsAtClose = reports
      if (addPod) {
        // A change the source shows (list() sees it) must not reach a closed discovery's listener.
        const added = await addPod()
        await eventually(
          () => discovery.list(),
          (pods) => has(pods, added),
          'added pod listed',
        )
      }
      // Still with the source up: a leaked watch or timer would stay open against it.
      await eventually(liveHandles, (n) => n <= baseline, `open handles back to ${baseline}`)
      expect(reports).toBe(reportsAtClose)
    })
  })
}

function required(fixture: DiscoveryFixture) {
  const { addPod, removePod } = fixture
  if (!addPod || !removePod)
    throw new Error('the fixture declares changes but lacks addPod/removePod')
  return { addPod, removePod }
}

function watchOf(discovery: Discovery): NonNullable<Discovery['watch']> {
  const { watch } = discovery
  if (!watch) throw new Error(`${discovery.name} declares watch but has none`)
  return watch.bind(discovery)
}
