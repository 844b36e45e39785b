import { describe, expect, it } from 'vitest'
import type { ItemChange } from './domain.ts'
import {
  parsePublishDate,
  publishDateRules,
  publishDeliveryKey,
  publishSchedule,
  scheduleFor,
} from './schedule.ts'

const now = new Date('2026-11-23T12:00:00Z')
const rules = [{ collection: 'articles', field: 'date_published' }]
const change = (
  fields: Record<string, unknown>,
  action: ItemChange['action'] = 'update',
): ItemChange => ({
  kind: 'item',
  source: 'directus',
  collection: 'articles',
  id: '7',
  action,
  fields,
})

describe('scheduleFor', () => {
  it('delays a change whose publish date is ahead', () => {
    const at = new Date('2026-11-24T08:00:00Z')
    expect(scheduleFor(change({ date_published: at.toISOString() }), rules, now)).toEqual({ at })
  })

  it('does not delay a date now or past, a missing field, or another collection', () => {
    expect(scheduleFor(change({ date_published: now.toISOString() }), rules, now)).toBeUndefined()
    expect(scheduleFor(change({ date_published: '2026-01-01' }), rules, now)).toBeUndefined()
    expect(scheduleFor(change({ title: 'x' }), rules, now)).toBeUndefined()
    expect(
      scheduleFor({ ...change({ date_published: '2027-01-01' }), collection: 'pages' }, rules, now),
    ).toBeUndefined()
  })

  it('never delays a delete or an unpublish, nor a purge', () => {
    expect(
      scheduleFor(change({ date_published: '2027-01-01' }, 'delete'), rules, now),
    ).toBeUndefined()
    expect(
      scheduleFor(change({ date_published: '2027-01-01' }, 'unpublish'), rules, now),
    ).toBeUndefined()
    expect(
      scheduleFor({ kind: 'purge', source: 'generic', paths: ['/'], tags: [] }, rules, now),
    ).toBeUndefined()
  })

  it('takes a schedule block as config too', () => {
    const config = publishSchedule.parse({ collections: rules })
    expect(scheduleFor(change({ date_published: '2027-01-01' }), config, now)).toEqual({
      at: new Date('2027-01-01T00:00:00Z'),
    })
  })
})

describe('parsePublishDate', () => {
  it.each([
    ['2026-05-01T10:00:00.000Z', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01T10:00:00+02:00', '2026-05-01T08:00:00.000Z'],
    ['2026-05-01T10:00:00', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01 10:00', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01', '2026-05-01T00:00:00.000Z'],
    [{ 'en-US': '2026-05-01T10:00:00Z' }, '2026-05-01T10:00:00.000Z'],
  ])('reads %j as UTC %s when no zone is given', (value, iso) => {
    expect(parsePublishDate(value)?.toISOString()).toBe(iso)
  })

  it.each([null, 17, 'tomorrow', '2026-13-45', '', []])('refuses %j', (value) => {
    expect(parsePublishDate(value)).toBeUndefined()
  })
})

describe('publishDateRules', () => {
  it('merges routes[].publishDateField with the schedule block, the block winning', () => {
    const routes = [
      { collection: 'articles', publishDateField: 'go_live' },
      { collection: 'pages', publishDateField: 'date_published' },
      { collection: 'menus' },
    ]
    const schedule = {
      collections: [{ collection: 'articles', field: 'date_published', idField: 'id' }],
    }
    expect(publishDateRules(schedule, routes)).toEqual([
      { collection: 'articles', field: 'date_published', idField: 'id' },
      { collection: 'pages', field: 'date_published', idField: 'id' },
    ])
  })
})

describe('publishDeliveryKey', () => {
  it('is the same for the same item and moment, whoever computes it', () => {
    const at = new Date('2026-11-24T08:00:00Z')
    expect(publishDeliveryKey('articles', '7', at)).toBe(
      'publish:articles:7:2026-11-24T08:00:00.000Z',
    )
    expect(publishDeliveryKey('articles', '7', new Date(at.getTime() + 1))).not.toBe(
      publishDeliveryKey('articles', '7', at),
    )
  })
})
