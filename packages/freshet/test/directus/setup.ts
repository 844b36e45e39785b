/**
 * Sets a fresh Directus up through its REST API, as its docs tell a user: collections and
 * relations (many-to-one, many-to-many, many-to-any), a policy with read permissions, a role and
 * a user with a static token for freshet, an Event Hook Flow that sends `{{$trigger}}` to
 * freshet, and a Schedule Flow that publishes scheduled pages with "Emit events" off (the
 * default), as Directus's scheduled-publishing guide does.
 */
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './server.ts'

export const COLLECTIONS = ['pages', 'blocks', 'ctas', 'tags', 'pages_tags', 'pages_sections']
const READ = ['pages', 'blocks', 'ctas', 'tags', 'pages_tags', 'pages_sections']

export interface DirectusAdmin {
  url: string
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
}

export async function login(url: string): Promise<DirectusAdmin> {
  const answer = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  })
  if (!answer.ok) throw new Error(`[directus] login: ${answer.status} ${await answer.text()}`)
  const token = ((await answer.json()) as { data: { access_token: string } }).data.access_token
  return {
    url,
    async call<T>(method: string, path: string, body?: unknown) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`[directus] ${method} ${path}: ${response.status} ${text}`)
      return (text ? (JSON.parse(text) as { data: T }).data : undefined) as T
    },
  }
}

const id = {
  field: 'id',
  type: 'integer',
  schema: { is_primary_key: true, has_auto_increment: true },
  meta: { hidden: true, readonly: true },
}
const text = (field: string) => ({ field, type: 'string', schema: {}, meta: {} })
const dateUpdated = {
  field: 'date_updated',
  type: 'timestamp',
  schema: {},
  meta: { special: ['date-updated'], interface: 'datetime', readonly: true, hidden: true },
}
const integer = (field: string) => ({ field, type: 'integer', schema: {}, meta: {} })
const alias = (field: string, special: string, iface: string) => ({
  field,
  type: 'alias',
  meta: { special: [special], interface: iface },
})

async function collection(admin: DirectusAdmin, name: string, fields: unknown[], hidden = false) {
  await admin.call('POST', '/collections', {
    collection: name,
    schema: {},
    meta: { hidden, icon: 'box' },
    fields,
  })
}

/** The content model: pages embed a hero block (m2o), tags (m2m) and sections (m2a). */
export async function createSchema(admin: DirectusAdmin): Promise<void> {
  await collection(admin, 'blocks', [id, text('text'), dateUpdated])
  await collection(admin, 'ctas', [id, text('label'), dateUpdated])
  await collection(admin, 'tags', [id, text('name'), dateUpdated])
  await collection(admin, 'pages', [
    id,
    { ...text('status'), schema: { default_value: 'draft' } },
    text('slug'),
    text('title'),
    { field: 'publish_at', type: 'timestamp', schema: {}, meta: { interface: 'datetime' } },
    dateUpdated,
    { ...integer('hero'), meta: { special: ['m2o'], interface: 'select-dropdown-m2o' } },
  ])
  await admin.call('POST', '/relations', {
    collection: 'pages',
    field: 'hero',
    related_collection: 'blocks',
    schema: { on_delete: 'SET NULL' },
  })
  // Many-to-many: pages.tags through pages_tags.
  await collection(admin, 'pages_tags', [id, integer('pages_id'), integer('tags_id')], true)
  await admin.call('POST', '/fields/pages', alias('tags', 'm2m', 'list-m2m'))
  await admin.call('POST', '/relations', {
    collection: 'pages_tags',
    field: 'tags_id',
    related_collection: 'tags',
    meta: { one_field: null, junction_field: 'pages_id' },
    schema: { on_delete: 'SET NULL' },
  })
  await admin.call('POST', '/relations', {
    collection: 'pages_tags',
    field: 'pages_id',
    related_collection: 'pages',
    meta: { one_field: 'tags', junction_field: 'tags_id' },
    schema: { on_delete: 'SET NULL' },
  })
  // Many-to-any (a page builder): pages.sections through pages_sections over blocks and ctas.
  await collection(
    admin,
    'pages_sections',
    [id, integer('pages_id'), text('item'), text('collection')],
    true,
  )
  await admin.call('POST', '/fields/pages', alias('sections', 'm2a', 'list-m2a'))
  await admin.call('POST', '/relations', {
    collection: 'pages_sections',
    field: 'item',
    related_collection: null,
    meta: {
      one_allowed_collections: ['blocks', 'ctas'],
      one_collection_field: 'collection',
      junction_field: 'pages_id',
    },
  })
  await admin.call('POST', '/relations', {
    collection: 'pages_sections',
    field: 'pages_id',
    related_collection: 'pages',
    meta: { one_field: 'sections', junction_field: 'item' },
    schema: { on_delete: 'SET NULL' },
  })
}

/**
 * A policy that reads the content (and, unless `relations` is false, `directus_relations`),
 * a role holding it, and a user with a static token: what freshet's docs ask for.
 */
export async function createReader(
  admin: DirectusAdmin,
  name: string,
  token: string,
  options: { relations?: boolean; without?: readonly string[] } = {},
): Promise<void> {
  const policy = await admin.call<{ id: string }>('POST', '/policies', {
    name,
    icon: 'sync',
    app_access: false,
    admin_access: false,
  })
  // directus_fields: for `freshet doctor`, which finds the junctions /relations hides there.
  const system = options.relations === false ? [] : ['directus_relations', 'directus_fields']
  const collections = [...READ, ...system].filter((c) => !options.without?.includes(c))
  for (const c of collections)
    await admin.call('POST', '/permissions', {
      policy: policy.id,
      collection: c,
      action: 'read',
      fields: ['*'],
      permissions: {},
    })
  const role = await admin.call<{ id: string }>('POST', '/roles', { name, icon: 'sync' })
  await admin.call('POST', '/access', { role: role.id, policy: policy.id })
  await admin.call('POST', '/users', {
    email: `${name}@example.com`,
    role: role.id,
    token,
    status: 'active',
  })
}

/** The Event Hook Flow: every create, update and delete sent to freshet as `{{$trigger}}`. */
export async function createWebhookFlow(
  admin: DirectusAdmin,
  hookUrl: string,
  secret: string,
): Promise<string> {
  const flow = await admin.call<{ id: string }>('POST', '/flows', {
    name: 'freshet',
    status: 'active',
    trigger: 'event',
    accountability: '$trigger',
    options: {
      type: 'action',
      scope: ['items.create', 'items.update', 'items.delete'],
      collections: COLLECTIONS,
    },
  })
  const operation = await admin.call<{ id: string }>('POST', '/operations', {
    flow: flow.id,
    key: 'send_to_freshet',
    name: 'Send to freshet',
    type: 'request',
    position_x: 19,
    position_y: 1,
    options: {
      method: 'POST',
      url: hookUrl,
      headers: [
        { header: 'Authorization', value: `Bearer ${secret}` },
        { header: 'Content-Type', value: 'application/json' },
      ],
      body: '{{$trigger}}',
    },
  })
  await admin.call('PATCH', `/flows/${flow.id}`, { operation: operation.id })
  return flow.id
}

/**
 * Scheduled publishing as Directus's guide builds it: a Schedule (cron) Flow whose Update Data
 * operation sets `status: published` on scheduled pages whose date passed; "Emit events" is off.
 */
export async function createPublishFlow(admin: DirectusAdmin, cron: string): Promise<string> {
  const flow = await admin.call<{ id: string }>('POST', '/flows', {
    name: 'publish scheduled pages',
    status: 'active',
    trigger: 'schedule',
    accountability: '$trigger',
    options: { cron },
  })
  const operation = await admin.call<{ id: string }>('POST', '/operations', {
    flow: flow.id,
    key: 'publish',
    name: 'Publish',
    type: 'item-update',
    position_x: 19,
    position_y: 1,
    options: {
      collection: 'pages',
      permissions: '$full',
      emitEvents: false,
      query: {
        filter: { _and: [{ status: { _eq: 'scheduled' } }, { publish_at: { _lte: '$NOW' } }] },
      },
      payload: { status: 'published' },
    },
  })
  await admin.call('PATCH', `/flows/${flow.id}`, { operation: operation.id })
  return flow.id
}
