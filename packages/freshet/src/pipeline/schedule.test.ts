import { describe, expect, it } from 'vitest'
import { publishDeliveryKey } from '../core/schedule.ts'
import { directusSource } from '../sources/directus/webhook.ts'
import {
  directusPublishRules,
  scheduleDelivery,
  scheduledSources,
  withPublishSchedule,
} from './schedule.ts'

const NOW = new Date('2026-11-23T12:00:00Z')
const LATER = '2026-11-23T13:00:00.000Z'
const rules = [{ collection: 'articles', field: 'date_published', idField: 'id' }]
const SECRET = 'directus-flow-secret-0123456789'

const item = (id: string, fields: Record<string, unknown>, action = 'update' as const) => ({
  kind: 'item' as const,
  source: 'directus',
  collection: 'articles',
  id,
  action,
  fields,
  provenance: { topic: 'articles.items.update' },
})

describe('scheduleDelivery', () => {
  it('delays a change whose publish date is ahead, keyed like the sweep', () => {
    const out = scheduleDelivery({ changes: [item('7', { date_published: LATER })] }, rules, NOW)
    expect(out).toEqual({
      changes: [
        expect.objectContaining({ provenance: expect.objectContaining({ publishAt: LATER }) }),
      ],
      notBefore: new Date(LATER),
      deliveryKey: publishDeliveryKey('articles', '7', new Date(LATER)),
    })
  })

  it('takes what is live now, undelayed: past dates, no date, deletes, other collections', () => {
    const cases = [
      item('7', { date_published: '2026-11-23T11:00:00Z' }),
      item('7', { title: 'no date in this update' }),
      item('7', {}, 'delete' as never),
      { ...item('7', { date_published: LATER }), collection: 'pages' },
    ]
    for (const change of cases) {
      const delivery = { changes: [change] }
      expect(scheduleDelivery(delivery, rules, NOW)).toBe(delivery)
    }
  })

  it('delays a batch of keys sharing one date, and never half a delivery', () => {
    const batch = scheduleDelivery(
      { changes: [item('1', { date_published: LATER }), item('2', { date_published: LATER })] },
      rules,
      NOW,
    )
    expect(batch).toMatchObject({ notBefore: new Date(LATER) })
    expect('deliveryKey' in batch).toBe(false)
    const mixed = { changes: [item('1', { date_published: LATER }), item('2', {})] }
    expect(scheduleDelivery(mixed, rules, NOW)).toBe(mixed)
  })

  it('reads rules from the schedule block and Directus routes, not Contentful ones', () => {
    const found = directusPublishRules({ collections: [] }, [
      { collection: 'news', publishDateField: 'published_at' },
      { collection: 'post', source: 'contentful', publishDateField: 'publishDate' },
    ])
    expect(found).toEqual([{ collection: 'news', field: 'published_at', idField: 'id' }])
  })
})

describe('withPublishSchedule', () => {
  const request = (payload: Record<string, unknown>) => ({
    method: 'POST',
    url: 'https://freshet.test/hooks/directus',
    headers: new Headers({ authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }),
    rawBody: JSON.stringify({ event: 'articles.items.update', keys: [7], payload }),
  })

  it('wraps the Directus source: verify as before, parse delayed', async () => {
    const sources = scheduledSources(
      new Map([['directus', directusSource({ secret: SECRET })]]),
      rules,
      () => NOW,
    )
    const source = sources.get('directus')
    expect(source?.name).toBe('directus')
    expect(() => source?.verify(request({}))).not.toThrow()
    expect(() => source?.verify({ ...request({}), headers: new Headers() })).toThrow(/secret/)
    expect(source?.parse(request({ date_published: LATER }))).toMatchObject({
      notBefore: new Date(LATER),
    })
    expect(source?.parse(request({ title: 'now' }))).not.toHaveProperty('notBefore')
  })

  it('is the source itself without rules', () => {
    const source = directusSource({ secret: SECRET })
    expect(withPublishSchedule(source, [], () => NOW)).toBe(source)
  })
})
