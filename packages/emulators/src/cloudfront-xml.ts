/** CloudFront 2020-05-31 REST/XML bodies: the request the SDK sends, the answers it parses. */
import { XMLParser } from 'fast-xml-parser'
import { apiError, type Invalidation } from './cloudfront-model.ts'

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/'
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Path',
})

export const escapeXml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')

export interface InvalidationBatch {
  callerReference: string
  items: string[]
}

interface ParsedBatch {
  InvalidationBatch?: {
    CallerReference?: unknown
    Paths?: { Quantity?: unknown; Items?: { Path?: unknown[] } | string }
  }
}

/** Parses `<InvalidationBatch>`; throws InvalidArgument for what CloudFront would refuse. */
export function parseInvalidationBatch(body: string): InvalidationBatch {
  let parsed: ParsedBatch
  try {
    parsed = parser.parse(body, true) as ParsedBatch
  } catch (error) {
    throw apiError('InvalidArgument', `Malformed XML: ${(error as Error).message}`)
  }
  const batch = parsed.InvalidationBatch
  const callerReference = batch?.CallerReference
  if (typeof callerReference !== 'string' || callerReference.length === 0) {
    throw apiError('InvalidArgument', 'CallerReference is required')
  }
  const itemsNode = batch?.Paths?.Items
  const items = (typeof itemsNode === 'object' ? (itemsNode.Path ?? []) : []).map(String)
  const quantity = Number(batch?.Paths?.Quantity)
  if (!Number.isInteger(quantity) || quantity !== items.length) {
    throw apiError(
      'InvalidArgument',
      `Paths Quantity ${quantity} does not match ${items.length} items`,
    )
  }
  return { callerReference, items }
}

const element = (name: string, value: string | number | boolean): string =>
  `<${name}>${escapeXml(String(value))}</${name}>`

function invalidationBody(invalidation: Invalidation): string {
  const paths = invalidation.items.map((item) => element('Path', item)).join('')
  return (
    element('Id', invalidation.id) +
    element('Status', invalidation.status) +
    element('CreateTime', invalidation.createTime.toISOString()) +
    '<InvalidationBatch>' +
    `<Paths>${element('Quantity', invalidation.items.length)}<Items>${paths}</Items></Paths>` +
    element('CallerReference', invalidation.callerReference) +
    '</InvalidationBatch>'
  )
}

export const invalidationXml = (invalidation: Invalidation): string =>
  `${HEAD}<Invalidation xmlns="${NS}">${invalidationBody(invalidation)}</Invalidation>`

export interface InvalidationPage {
  marker: string
  nextMarker: string | undefined
  maxItems: number
  items: Invalidation[]
}

export function invalidationListXml(page: InvalidationPage): string {
  const summaries = page.items
    .map(
      (i) =>
        '<InvalidationSummary>' +
        element('Id', i.id) +
        element('CreateTime', i.createTime.toISOString()) +
        element('Status', i.status) +
        '</InvalidationSummary>',
    )
    .join('')
  return (
    `${HEAD}<InvalidationList xmlns="${NS}">` +
    element('Marker', page.marker) +
    (page.nextMarker ? element('NextMarker', page.nextMarker) : '') +
    element('MaxItems', page.maxItems) +
    element('IsTruncated', page.nextMarker !== undefined) +
    element('Quantity', page.items.length) +
    (page.items.length > 0 ? `<Items>${summaries}</Items>` : '') +
    '</InvalidationList>'
  )
}

export const errorXml = (code: string, message: string, requestId: string): string =>
  `${HEAD}<ErrorResponse xmlns="${NS}"><Error>` +
  `${element('Type', code === 'ServiceUnavailable' || code === 'InternalError' ? 'Receiver' : 'Sender')}` +
  `${element('Code', code)}${element('Message', message)}</Error>` +
  `${element('RequestId', requestId)}</ErrorResponse>`
