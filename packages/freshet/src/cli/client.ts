/** The CLI's client of the admin API. */
export function adminClient(options: { url: string; token?: string }) {
  const token = options.token ?? process.env.FRESHET_ADMIN_TOKEN
  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(new URL(path, options.url), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((cause) => {
      throw new Error(`cannot reach ${options.url}: ${(cause as Error).message}`, { cause })
    })
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
    if (!response.ok)
      throw new Error(`${response.status}: ${answer.error?.message ?? response.statusText}`)
    return answer
  }
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
  }
}
