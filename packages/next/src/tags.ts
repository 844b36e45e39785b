/**
 * Cache tag spelling shared by the site (fetch `next.tags`, the `Cache-Tag` header) and freshet's
 * route rules. Spec (README "Tag spelling"):
 *
 * - collection tag: `<collection>`          e.g. `articles`
 * - item tag:       `<collection>:<id>`     e.g. `articles:42`
 *
 * `<collection>` is 1+ of `A-Z a-z 0-9 _ . -`; `<id>` is 1+ printable characters without
 * whitespace or commas (a comma separates tags in a `Cache-Tag` header). A tag is at most 256
 * characters: the limit of both Next.js and CloudFront.
 */

export const MAX_TAG_LENGTH = 256

const COLLECTION = /^[A-Za-z0-9_.-]+$/
const ID = /^[^\s,]+$/

function checked(tag: string): string {
  if (tag.length > MAX_TAG_LENGTH) {
    throw new RangeError(`[freshet] [tags] "${tag.slice(0, 40)}…" is longer than 256 characters`)
  }
  return tag
}

/** The tag of a whole collection: every page that lists or embeds items of it. */
export function collectionTag(collection: string): string {
  if (!COLLECTION.test(collection)) {
    throw new TypeError(
      `[freshet] [tags] collection "${collection}" must be letters, digits, "_", "." or "-"`,
    )
  }
  return checked(collection)
}

/** The tag of one item of a collection: every page that shows that item. */
export function itemTag(collection: string, id: string | number): string {
  const key = String(id)
  if (!ID.test(key)) {
    throw new TypeError(`[freshet] [tags] id "${key}" must be non-empty, without spaces or commas`)
  }
  return checked(`${collectionTag(collection)}:${key}`)
}

/** `tags.item('articles', 42)` → `'articles:42'`; `tags.collection('articles')` → `'articles'`. */
export const tags = { item: itemTag, collection: collectionTag } as const
