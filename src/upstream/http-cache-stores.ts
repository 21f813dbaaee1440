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

/** The part of the shared Redis connection (src/shared-state) this store needs. */
export interface RedisRunner {
  run: <T>(op: (redis: RedisCommands) => Promise<T>, fallback: () => T | Promise<T>) => Promise<T>
}

/** The ioredis commands used here. */
export interface RedisCommands {
  getBuffer: (key: string) => Promise<Buffer | null>
  set: (key: string, value: Buffer, px: 'PX', ttl: number) => Promise<unknown>
}

const KEY_PREFIX = 'conduit:http-cache:'

interface Serialized { s: number, h: Record<string, string>, p: CachePolicy.CachePolicyObject }

/**
 * Entries as one Redis string: a JSON head (status, headers, policy), a newline, then the body
 * bytes, so a body is never base64-inflated. Entries expire with their TTL in Redis.
 */
export function createRedisCacheStore (redis: RedisRunner, local: HttpCacheStore): HttpCacheStore {
  return {
    get: async key => await redis.run(async r => {
      const raw = await r.getBuffer(KEY_PREFIX + key)
      if (raw === null) return undefined
      const nl = raw.indexOf(10)
      if (nl === -1) return undefined
      const head = JSON.parse(raw.subarray(0, nl).toString('utf8')) as Serialized
      return { status: head.s, headers: head.h, policy: CachePolicy.fromObject(head.p), body: raw.subarray(nl + 1) }
    }, () => local.get(key)),
    set: async (key, entry, ttlMs) => {
      const head: Serialized = { s: entry.status, h: entry.headers, p: entry.policy.toObject() }
      const value = Buffer.concat([Buffer.from(JSON.stringify(head) + '\n', 'utf8'), entry.body])
      await redis.run(async r => { await r.set(KEY_PREFIX + key, value, 'PX', Math.max(1, Math.ceil(ttlMs))) }, () => local.set(key, entry, ttlMs))
    }
  }
}
