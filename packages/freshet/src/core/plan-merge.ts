/**
 * Building and merging plans. Pure. A plan holds each path and tag once, with every reason it is
 * there (capped, so a listing page reached through 10,000 parents stays readable).
 */
import type { Plan, PlanEntry, PlanNote, PlanReason } from './domain.ts'

export const MAX_REASONS_PER_ENTRY = 10

/** Collects paths, tags and notes; the same value added twice keeps one entry, both reasons. */
export class PlanBuilder {
  readonly #paths = new Map<string, PlanReason[]>()
  readonly #tags = new Map<string, PlanReason[]>()
  readonly #notes = new Map<string, PlanNote>()
  readonly #hidden = new Map<string, number>()

  addPath(value: string, reason: PlanReason): this {
    this.#add(this.#paths, `p:${value}`, value, reason)
    return this
  }

  addTag(value: string, reason: PlanReason): this {
    this.#add(this.#tags, `t:${value}`, value, reason)
    return this
  }

  note(note: PlanNote): this {
    this.#notes.set(`${note.level}:${note.message}`, note)
    return this
  }

  hasPath(value: string): boolean {
    return this.#paths.has(value)
  }

  hasTag(value: string): boolean {
    return this.#tags.has(value)
  }

  addPlan(plan: Plan): this {
    for (const entry of plan.paths) for (const r of entry.reasons) this.addPath(entry.value, r)
    for (const entry of plan.tags) for (const r of entry.reasons) this.addTag(entry.value, r)
    for (const note of plan.notes) this.note(note)
    return this
  }

  build(): Plan {
    return {
      paths: this.#entries(this.#paths, 'p:'),
      tags: this.#entries(this.#tags, 't:'),
      notes: [...this.#notes.values()],
    }
  }

  #add(map: Map<string, PlanReason[]>, key: string, value: string, reason: PlanReason): void {
    const reasons = map.get(value)
    if (!reasons) {
      map.set(value, [reason])
      return
    }
    if (reasons.some((r) => r.kind === reason.kind && r.detail === reason.detail)) return
    if (reasons.length < MAX_REASONS_PER_ENTRY) reasons.push(reason)
    else this.#hidden.set(key, (this.#hidden.get(key) ?? 0) + 1)
  }

  #entries(map: Map<string, PlanReason[]>, prefix: string): PlanEntry[] {
    return [...map.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([value, reasons]) => {
        const hidden = this.#hidden.get(prefix + value)
        const first = reasons[0]
        if (!hidden || !first) return { value, reasons: [...reasons] }
        return { value, reasons: [...reasons, { kind: first.kind, detail: `and ${hidden} more` }] }
      })
  }
}

/** Merges plans: one entry per value, reasons united, notes de-duplicated, values sorted. */
export function mergePlans(...plans: Plan[]): Plan {
  const builder = new PlanBuilder()
  for (const plan of plans) builder.addPlan(plan)
  return builder.build()
}
