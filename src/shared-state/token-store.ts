// The OAuth token cache shared by replicas (SPEC §19: N replicas make one token request per
// credential). Each replica already coalesces its own concurrent misses (src/auth/token-cache.ts);
// across replicas a short Redis lock does the same: the replica that takes the lock requests the
// token and stores it, the others wait for it to appear. The lock expires by itself, so a replica
// that dies while holding it delays the others by at most the lock time.
//
// Keys are the token cache's SHA-256 digests; values are the access token and its expiry. Redis
// therefore holds live access tokens: deploy it private to Conduit (k8s/README.md).
import { randomBytes } from 'node:crypto'
import type { FetchedToken, SharedTokenStore } from '../auth/token-cache.js'
import type { SharedConnection } from './connection.js'

const TOKEN_PREFIX = 'conduit:token:'
const LOCK_PREFIX = 'conduit:token-lock:'

// Deletes the key only while it still holds the given value (the lock we took, the token we saw).
const DELETE_IF_VALUE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"

export interface RedisTokenStoreOptions {
  /** How long the lock holder may take for its token request (the upstream timeout plus a margin). */
  lockMs: number
  /** How often a waiting replica looks for the token. */
  pollMs?: number
  clock?: () => number
  sleep?: (ms: number) => Promise<void>
}

interface Stored { t: string, e: number }

function parse (text: string | null): Stored | undefined {
  if (text === null) return undefined
  try {
    const v = JSON.parse(text) as Partial<Stored>
    if (typeof v.t === 'string' && typeof v.e === 'number') return v as Stored
  } catch { /* written by something else */ }
  return undefined
}

export function createRedisTokenStore (conn: SharedConnection, options: RedisTokenStoreOptions): SharedTokenStore {
  const clock = options.clock ?? Date.now
  const pollMs = options.pollMs ?? 25
  const sleep = options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))

  const expiry = (fetched: FetchedToken): number =>
    clock() + Math.max(0, Number.isFinite(fetched.ttlSeconds) ? fetched.ttlSeconds : 0) * 1000

  const fetchLocally = async (fetch: () => Promise<FetchedToken>): Promise<{ accessToken: string, expiresAt: number }> => {
    const fetched = await fetch()
    return { accessToken: fetched.accessToken, expiresAt: expiry(fetched) }
  }

  const read = async (key: string): Promise<Stored | null | undefined> =>
    // undefined: Redis cannot answer; null: no usable token there.
    await conn.run(async redis => {
      const stored = parse(await redis.get(TOKEN_PREFIX + key))
      return stored !== undefined && stored.e > clock() ? stored : null
    }, () => undefined)

  /** Takes the lock, fetches and stores the token; undefined when another replica holds the lock. */
  const fetchUnderLock = async (key: string, fetch: () => Promise<FetchedToken>): Promise<{ accessToken: string, expiresAt: number } | 'busy' | 'down'> => {
    const owner = randomBytes(8).toString('hex')
    const lock = await conn.run(async redis => await redis.set(LOCK_PREFIX + key, owner, 'PX', options.lockMs, 'NX'), () => 'down' as const)
    if (lock === 'down') return 'down'
    if (lock !== 'OK') return 'busy'
    try {
      const fetched = await fetch()
      const expiresAt = expiry(fetched)
      const ttl = expiresAt - clock()
      if (ttl > 0) {
        const value = JSON.stringify({ t: fetched.accessToken, e: expiresAt } satisfies Stored)
        await conn.run(async redis => { await redis.set(TOKEN_PREFIX + key, value, 'PX', ttl) }, () => {})
      }
      return { accessToken: fetched.accessToken, expiresAt }
    } finally {
      await conn.run(async redis => { await redis.eval(DELETE_IF_VALUE, 1, LOCK_PREFIX + key, owner) }, () => {})
    }
  }

  return {
    async getOrFetch (key, fetch) {
      const deadline = clock() + options.lockMs
      for (;;) {
        const stored = await read(key)
        if (stored === undefined) return await fetchLocally(fetch)
        if (stored !== null) return { accessToken: stored.t, expiresAt: stored.e }
        const result = await fetchUnderLock(key, fetch)
        if (result === 'down') return await fetchLocally(fetch)
        if (result !== 'busy') return result
        // Another replica is requesting this token: wait for it (its lock expires at the latest).
        if (clock() >= deadline) return await fetchLocally(fetch)
        await sleep(pollMs)
      }
    },
    evict (key, token) {
      const run = token === undefined
        ? conn.run(async redis => { await redis.del(TOKEN_PREFIX + key) }, () => {})
        : conn.run(async redis => {
          const stored = parse(await redis.get(TOKEN_PREFIX + key))
          if (stored?.t === token) await redis.del(TOKEN_PREFIX + key)
        }, () => {})
      run.catch(() => {})
    }
  }
}
