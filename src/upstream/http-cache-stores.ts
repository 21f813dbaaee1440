// Stores of the HTTP cache (SPEC §8, §19): in memory, bounded by bytes (LRU), and in Redis so that
// replicas share entries, with the memory store as the local fallback while Redis is away.
import { LRUCache } from 'lru-cache'
import CachePolicy from 'http-cache-semantics'
import type { CachedResponse, HttpCacheStore } from './http-cache.js'

/** Per-entry bookkeeping counted against maxBytes besides body and headers. */
const ENTRY_OVERHEAD_BYTES = 512

function entrySize (entry: CachedResponse): number {
  let size = entry.body.length + ENTRY_OVERHEAD_BYTES
  for (const name in entry.headers) size += name.length + entry.headers[name].length
  return size
}

export interface MemoryStoreOptions {
  maxBytes: number
  maxEntryBytes: number
}

export function createMemoryCacheStore (options: MemoryStoreOptions): HttpCacheStore {
  const lru = new LRUCache<string, CachedResponse>({
    maxSize: options.maxBytes,
    maxEntrySize: Math.min(options.maxBytes, options.maxEntryBytes + 64 * 1024),
    sizeCalculation: entrySize,
    ttlAutopurge: false
  })
  return {
    get: key => lru.get(key),
    set: (key, entry, ttlMs) => { lru.set(key, entry, { ttl: Math.max(1, Math.ceil(ttlMs)) }) }
  }
}

/**
 * The byte-store contract of src/shared-state/cache-store.ts (Redis with a local fallback):
 * `get` answers the stored bytes, `set` stores bytes for a lifetime.
 */
export interface ByteStore {
  get: (key: string) => Promise<Buffer | undefined> | Buffer | undefined
  set: (key: string, value: Buffer, ttlMs: number) => Promise<void> | void
  delete: (key: string) => Promise<void> | void
}

/** A byte-bounded LRU of serialized entries: the local fallback of the Redis store. */
export function createMemoryByteStore (options: MemoryStoreOptions): ByteStore {
  const lru = new LRUCache<string, Buffer>({
    maxSize: options.maxBytes,
    maxEntrySize: Math.min(options.maxBytes, options.maxEntryBytes + 64 * 1024),
    sizeCalculation: b => b.length + ENTRY_OVERHEAD_BYTES
  })
  return {
    get: key => lru.get(key),
    set: (key, value, ttlMs) => { lru.set(key, value, { ttl: Math.max(1, Math.ceil(ttlMs)) }) },
    delete: key => { lru.delete(key) }
  }
}

interface Serialized { s: number, h: Record<string, string>, p: CachePolicy.CachePolicyObject }

/** An entry as bytes: a JSON head (status, headers, policy), a newline, then the body as it is. */
export function serializeEntry (entry: CachedResponse): Buffer {
  const head: Serialized = { s: entry.status, h: entry.headers, p: entry.policy.toObject() }
  return Buffer.concat([Buffer.from(JSON.stringify(head) + '\n', 'utf8'), entry.body])
}

export function deserializeEntry (raw: Buffer): CachedResponse | undefined {
  const nl = raw.indexOf(10)
  if (nl === -1) return undefined
  try {
    const head = JSON.parse(raw.subarray(0, nl).toString('utf8')) as Serialized
    return { status: head.s, headers: head.h, policy: CachePolicy.fromObject(head.p), body: raw.subarray(nl + 1) }
  } catch {
    return undefined
  }
}

/**
 * HTTP cache entries in a byte store: the shared Redis store (replicas share entries; SPEC §19),
 * which falls back to its local store while Redis is away.
 */
export function createByteBackedCacheStore (bytes: ByteStore): HttpCacheStore {
  return {
    get: async key => {
      const raw = await bytes.get(key)
      return raw === undefined ? undefined : deserializeEntry(raw)
    },
    set: async (key, entry, ttlMs) => { await bytes.set(key, serializeEntry(entry), ttlMs) }
  }
}
