// Shared state across replicas (SPEC §19), built once per process from one Redis connection:
// secret-cache invalidation, the OAuth token store, Studio sessions, and the stores the rate
// limiter and the HTTP cache plug in. Without `redis.url` nothing here is built and every replica keeps its own state.
import type { SharedTokenStore } from '../auth/token-cache.js'
import type { ByteStore, SharedCacheStoreOptions } from './cache-store.js'
import { createSharedCacheStore } from './cache-store.js'
import type { SharedConnection, SharedStateStats } from './connection.js'
import { createInvalidationBus } from './invalidation.js'
import type { InvalidationBus, InvalidationTarget } from './invalidation.js'
import { sharedRateLimitStore } from './rate-limit-store.js'
import type { RateLimitStoreClass } from './rate-limit-store.js'
import { createRedisTokenStore } from './token-store.js'
import { createRedisSessionStore } from './session-store.js'
import type { SharedSessionStore } from '../studio/sessions.js'

export interface SharedState {
  readonly connection: SharedConnection
  readonly tokens: SharedTokenStore
  readonly invalidation: InvalidationBus
  /** Studio sessions, so any replica can answer a signed-in browser. */
  readonly sessions: SharedSessionStore
  /** For `@fastify/rate-limit`'s `store` option. */
  readonly rateLimitStore: RateLimitStoreClass
  /** A shared byte store over the HTTP cache's local store. */
  cacheStore: (options: SharedCacheStoreOptions) => ByteStore
  stats: () => SharedStateStats
  close: () => Promise<void>
}

export interface SharedStateOptions {
  /** The secret cache: remote writes drop names from it, and its own writes are published. */
  secrets: InvalidationTarget & { onInvalidate: (listener: (kind: 'secret' | 'variable', name: string) => void) => void }
  /** The token request's lock lifetime: the upstream timeout plus a margin. */
  tokenLockMs: number
}

export function createSharedState (connection: SharedConnection, options: SharedStateOptions): SharedState {
  const invalidation = createInvalidationBus(connection, options.secrets)
  options.secrets.onInvalidate((kind, name) => { invalidation.publish(kind, name) })
  return {
    connection,
    tokens: createRedisTokenStore(connection, { lockMs: options.tokenLockMs }),
    invalidation,
    sessions: createRedisSessionStore(connection),
    rateLimitStore: sharedRateLimitStore(connection),
    cacheStore: cacheOptions => createSharedCacheStore(connection, cacheOptions),
    stats: connection.stats,
    close: connection.close
  }
}

export { connectRedis, createSharedConnection, redisOptions } from './connection.js'
export type { RedisConnectionOptions, SharedConnection, SharedStateLog, SharedStateStats } from './connection.js'
export { INVALIDATION_CHANNEL } from './invalidation.js'
export type { InvalidationBus, InvalidationTarget } from './invalidation.js'
export type { ByteStore, SharedCacheStoreOptions } from './cache-store.js'
export type { RateLimitStore, RateLimitStoreClass } from './rate-limit-store.js'
