import { describe, expect, it } from 'vitest'
import type { DirectusRelation } from './api.ts'
import { upwardEdges } from './parents.ts'

const rel = (
  collection: string,
  field: string,
  related: string | null,
  meta: DirectusRelation['meta'] = { one_field: null, junction_field: null },
): DirectusRelation => ({ collection, field, related_collection: related, meta })

describe('upwardEdges', () => {
  it('reads many-to-one, one-to-many and many-to-many edges from /relations', () => {
    const edges = upwardEdges([
      rel('sections', 'cta', 'cta'),
      rel('sections', 'page', 'pages', { one_field: 'sections', junction_field: null }),
      rel('pages_tags', 'pages_id', 'pages', { one_field: 'tags', junction_field: 'tags_id' }),
      rel('pages_tags', 'tags_id', 'tags', { one_field: null, junction_field: 'pages_id' }),
      rel('blocks', 'item', null, { one_field: null, junction_field: null }),
    ])
    expect(edges.get('cta')).toEqual([{ kind: 'm2o', parent: 'sections', field: 'cta' }])
    expect(edges.get('sections')).toEqual([{ kind: 'o2m', parent: 'pages', field: 'page' }])
    expect(edges.get('tags')).toEqual([
      {
        kind: 'm2m',
        parent: 'pages',
        junction: 'pages_tags',
        childField: 'tags_id',
        parentField: 'pages_id',
      },
    ])
    // Pages do not embed tags' other side unless tags has the alias; a junction is no parent.
    expect(edges.get('pages')).toEqual([{ kind: 'm2o', parent: 'sections', field: 'page' }])
  })

  it('reads many-to-any (page builder) edges: one per allowed collection', () => {
    const edges = upwardEdges([
      rel('pages_sections', 'item', null, {
        one_field: null,
        junction_field: 'pages_id',
        one_allowed_collections: ['blocks', 'ctas'],
        one_collection_field: 'collection',
      }),
      rel('pages_sections', 'pages_id', 'pages', { one_field: 'sections', junction_field: 'item' }),
    ])
    const m2a = {
      kind: 'm2a',
      parent: 'pages',
      junction: 'pages_sections',
      itemField: 'item',
      collectionField: 'collection',
      parentField: 'pages_id',
    }
    expect(edges.get('blocks')).toEqual([m2a])
    expect(edges.get('ctas')).toEqual([m2a])
    // The junction's own link to pages is no m2o parent of pages.
    expect(edges.get('pages')).toBeUndefined()
  })
})
