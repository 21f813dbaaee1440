// OAuth access-token cache (SPEC §6). One instance per process, shared by every connector and
// composite step, so the same credentials reuse one token. Keys are opaque SHA-256 digests: no
// credential, not even hashed on its own, is recoverable from a key.
import { createHash } from 'node:crypto'

export interface FetchedToken {
  accessToken: string
  /** How long the token may be reused, in seconds (already reduced by the safety margin). */
  ttlSeconds: number
}

/**
 * A token cache shared by every replica (src/shared-state/token-store.ts): consulted on a local
 * miss, it returns the token another replica already holds, or runs `fetch` so that concurrent
 * misses on different replicas make one token request between them.
 */
export interface SharedTokenStore {
  getOrFetch: (key: string, fetch: () => Promise<FetchedToken>) => Promise<{ accessToken: string, expiresAt: number }>
  /** Forgets the shared token of `key` (an upstream 401), only while it is still `token` when given. */
  evict: (key: string, token?: string) => void
}

export interface TokenCacheOptions {
  /** Shared across replicas when Redis is configured; local only without it. */
  shared?: SharedTokenStore
  /** Most tokens kept; the least recently used goes first. */
  maxEntries?: number
  /** Milliseconds since the epoch. */
  clock?: () => number
  /** Told of every token request this process makes (metrics, SPEC §18). */
  onTokenRequest?: (result: 'ok' | 'error') => void
}

interface Entry {
  token: string
  expiresAt: number
}

export const DEFAULT_MAX_TOKENS = 1000

export class TokenCache {
  readonly #entries = new Map<string, Entry>()
  readonly #inflight = new Map<string, Promise<string>>()
  readonly #max: number
  readonly #clock: () => number
  readonly #shared: SharedTokenStore | undefined
  readonly #onTokenRequest: ((result: 'ok' | 'error') => void) | undefined

  constructor (options: TokenCacheOptions = {}) {
    this.#max = Math.max(1, options.maxEntries ?? DEFAULT_MAX_TOKENS)
    this.#clock = options.clock ?? Date.now
    this.#shared = options.shared
    this.#onTokenRequest = options.onTokenRequest
  }

  /** The cached token for `key`, or the result of one `fetch` shared by every concurrent miss. */
  async get (key: string, fetch: () => Promise<FetchedToken>): Promise<string> {
    const hit = this.#entries.get(key)
    if (hit !== undefined) {
      if (hit.expiresAt > this.#clock()) {
        this.#entries.delete(key) // re-insert: most recently used last
        this.#entries.set(key, hit)
        return hit.token
      }
      this.#entries.delete(key)
    }
    const pending = this.#inflight.get(key)
    if (pending !== undefined) return await pending
    const p = this.#fill(key, fetch)
    this.#inflight.set(key, p)
    try {
      return await p
    } finally {
      this.#inflight.delete(key)
    }
  }

  async #fill (key: string, fetchToken: () => Promise<FetchedToken>): Promise<string> {
    const report = this.#onTokenRequest
    const fetch = report === undefined
      ? fetchToken
      : async (): Promise<FetchedToken> => {
        try {
          const token = await fetchToken()
          report('ok')
          return token
        } catch (err) {
          report('error')
          throw err
        }
      }
    let accessToken: string
    let expiresAt: number
    if (this.#shared !== undefined) {
      ({ accessToken, expiresAt } = await this.#shared.getOrFetch(key, fetch))
    } else {
      const fetched = await fetch()
      accessToken = fetched.accessToken
      expiresAt = this.#clock() + Math.max(0, Number.isFinite(fetched.ttlSeconds) ? fetched.ttlSeconds : 0) * 1000
    }
    if (expiresAt > this.#clock()) {
      this.#entries.set(key, { token: accessToken, expiresAt })
      while (this.#entries.size > this.#max) {
        const oldest = this.#entries.keys().next().value as string
        this.#entries.delete(oldest)
      }
    }
    return accessToken
  }

  /**
   * Forgets the token of `key` (the upstream answered 401). With `token`, only when that is still
   * the cached one, so a request holding a stale token does not throw away a fresh one.
   */
  evict (key: string, token?: string): void {
    const entry = this.#entries.get(key)
    if (entry !== undefined && (token === undefined || entry.token === token)) this.#entries.delete(key)
    this.#shared?.evict(key, token)
  }

  clear (): void {
    this.#entries.clear()
  }

  get size (): number {
    return this.#entries.size
  }
}

/** Opaque cache key of a token grant: every part is hashed together, credentials included. */
export function tokenCacheKey (parts: ReadonlyArray<string | undefined>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
}
