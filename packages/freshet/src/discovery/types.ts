/** One process of the web app, called directly (never through the Service or the CDN). */
export interface Pod {
  /** Stable identity while the pod lives: pod name, or `ip:port`. */
  id: string
  /** Base URL, e.g. `http://10.0.0.7:3000`. */
  url: string
}

/**
 * Finds every current pod of the web app. `list` is the truth for a batch; `watch` (optional)
 * reports changes as they happen, so late pods can catch up.
 */
export interface Discovery {
  readonly name: string
  list(signal?: AbortSignal): Promise<Pod[]>
  watch?(onChange: (pods: Pod[]) => void): () => void
  close?(): Promise<void>
}
