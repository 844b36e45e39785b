/**
 * The page's only way to the server: `/api/*` with the admin token as a Bearer header. The token
 * lives in sessionStorage (gone when the tab closes), never in the URL or the page.
 */
const TOKEN_KEY = 'freshet.adminToken'

export const adminToken = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
}

/** An answer that was not 2xx, with the server's `{"error": {"code", "message"}}`. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
  get unauthorized() {
    return this.status === 401
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string }
}

/** Calls `api/<path>` (relative, so the page also works behind a path prefix). */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { accept: 'application/json' }
  const token = adminToken.get()
  if (token) headers.authorization = `Bearer ${token}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(`api/${path}`, {
      method: init.method ?? 'GET',
      headers,
      cache: 'no-store',
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    })
  } catch (cause) {
    throw new ApiError(0, 'network', `freshet did not answer (${String(cause)})`)
  }
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) {
    const error = (body as ErrorBody | null)?.error
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? `${response.status} ${response.statusText}`,
    )
  }
  return body as T
}
