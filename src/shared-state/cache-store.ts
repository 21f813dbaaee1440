// HTTP cache entries shared by replicas (SPEC §8 with `cache.store: "redis"`, §19). The HTTP cache
// (the traffic work) decides what to store and under which key; this store only keeps bytes with
// a lifetime. It wraps the cache's local store: while Redis is down every call goes to the local
// store instead, so a replica keeps caching on its own and nothing fails.
//
// Contract (small on purpose, like undici's cache stores): `get` resolves to the stored bytes or
// undefined, `set` stores bytes for `ttlMs`, `delete` forgets a key. Entries larger than
// `maxEntryBytes` are not stored.
import type { SharedConnection } from './connection.js'

export interface ByteStore {
  get: (key: string) => Promise<Buffer | undefined> | Buffer | undefined
  set: (key: string, value: Buffer, ttlMs: number) => Promise<void> | void
  delete: (key: string) => Promise<void> | void
}

export interface SharedCacheStoreOptions {
  /** The store used while Redis cannot answer (the memory store of the HTTP cache). */
  local: ByteStore
  /** Key prefix, so entries of different uses never mix. */
  namespace?: string
  maxEntryBytes?: number
}

export function createSharedCacheStore (conn: SharedConnection, options: SharedCacheStoreOptions): ByteStore {
  const prefix = `conduit:cache:${options.namespace ?? 'http'}:`
  const { local } = options
  const maxEntryBytes = options.maxEntryBytes ?? Number.POSITIVE_INFINITY
  return {
    async get (key) {
      return await conn.run(async redis => (await redis.getBuffer(prefix + key)) ?? undefined, async () => await local.get(key))
    },
    async set (key, value, ttlMs) {
      if (value.length > maxEntryBytes || ttlMs <= 0) return
      await conn.run(async redis => { await redis.set(prefix + key, value, 'PX', Math.ceil(ttlMs)) }, async () => { await local.set(key, value, ttlMs) })
    },
    async delete (key) {
      await conn.run(async redis => { await redis.del(prefix + key) }, async () => { await local.delete(key) })
    }
  }
}
