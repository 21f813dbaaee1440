// The one Redis connection of a process (SPEC §19) and its health. Every shared piece (secret-cache
// invalidation, the OAuth token store, the rate-limit and HTTP-cache stores) runs its Redis work
// through `run()`, which falls back to the piece's local state when Redis cannot answer. An outage
// is logged once when it starts and once when it ends, and every fallback is counted, so requests
// keep working and the metrics show how often replicas were on their own.
//
// Commands fail fast instead of queueing (enableOfflineQueue off, no per-request retries, a short
// command timeout): a request must never wait for a Redis that is gone. ioredis keeps reconnecting
// in the background, so sharing resumes on its own once Redis is back.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'

export interface SharedStateLog {
  info: (message: string) => void
  warn: (message: string) => void
}

export interface SharedStateStats {
  /** Redis answers commands now. */
  up: boolean
  /** Operations that used local state because Redis could not answer. */
  fallbacks: number
  /** Times Redis went away (counted at the start of each outage). */
  outages: number
}

export interface SharedConnection {
  /** Commands (never in subscriber mode). */
  readonly client: Redis
  /** Pub/sub only: a subscribed ioredis connection cannot run other commands. */
  readonly subscriber: Redis
  /** Identifies this process in published messages, so it can skip its own. */
  readonly processId: string
  available: () => boolean
  /** `op` against Redis; when Redis is down or the command fails, counts a fallback and returns `fallback()`. */
  run: <T>(op: (redis: Redis) => Promise<T>, fallback: () => T | Promise<T>) => Promise<T>
  /** Counts a fallback taken without trying Redis (the caller saw it was down). */
  fellBack: () => void
  /** Called with true when Redis becomes usable again after an outage (and on the first connect), false when it goes away. */
  onAvailability: (listener: (up: boolean) => void) => void
  stats: () => SharedStateStats
  /** Resolves once connected, or after `timeoutMs` (the process then starts on local state). */
  ready: (timeoutMs: number) => Promise<boolean>
  close: () => Promise<void>
}

export interface RedisConnectionOptions {
  /** Milliseconds a single command may take before it counts as a failure. */
  commandTimeoutMs?: number
  connectTimeoutMs?: number
  /** Longest wait between reconnect attempts, so sharing resumes soon after Redis is back. */
  maxReconnectDelayMs?: number
}

/** ioredis options that make every command fail fast while the connection is down. */
export function redisOptions (options: RedisConnectionOptions = {}): RedisOptions {
  const maxDelay = options.maxReconnectDelayMs ?? 1000
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    retryStrategy: (times: number) => Math.min(50 * times, maxDelay),
    // The URL may carry a password: ioredis never puts it in its own errors, and neither do we.
    showFriendlyErrorStack: false
  }
}

/** Opens the command and subscriber connections for `url` (redis:// or rediss://). */
export function connectRedis (url: string, log: SharedStateLog, options: RedisConnectionOptions = {}): SharedConnection {
  const opts = redisOptions(options)
  return createSharedConnection(new Redis(url, opts), new Redis(url, opts), log)
}

/** The health tracking around two ioredis clients (tests may pass their own). */
export function createSharedConnection (client: Redis, subscriber: Redis, log: SharedStateLog): SharedConnection {
  const processId = randomBytes(8).toString('hex')
  const listeners: Array<(up: boolean) => void> = []
  let up = false
  let everUp = false
  let fallbacks = 0
  let outages = 0
  let outageLogged = false
  let closed = false

  const notify = (value: boolean): void => {
    for (const listener of listeners) {
      try { listener(value) } catch { /* a listener's failure is its own */ }
    }
  }
  const wentDown = (why: string): void => {
    if (closed) return
    const wasUp = up
    up = false
    if (!outageLogged) {
      outageLogged = true
      outages++
      log.warn(`Redis is unreachable (${why}): every replica uses its own local state until it is back; requests keep working`)
    }
    if (wasUp) notify(false)
  }
  const cameBack = (): void => {
    up = true
    if (outageLogged) log.info('Redis is reachable again: shared state resumes')
    else if (!everUp) log.info('Redis connected: state is shared across replicas')
    everUp = true
    outageLogged = false
    notify(true)
  }
  client.on('ready', cameBack)
  client.on('close', () => { wentDown('connection closed') })
  // ioredis emits 'error' for every failed reconnect: the first of an outage is logged by wentDown.
  client.on('error', (err: Error & { code?: string }) => { wentDown(err.code ?? 'connection error') })
  subscriber.on('error', () => {})

  const connect = (redis: Redis): void => {
    redis.connect().catch(() => { /* reported through 'error'; ioredis retries */ })
  }
  connect(client)
  connect(subscriber)

  const fellBack = (): void => { fallbacks++ }

  return {
    client,
    subscriber,
    processId,
    available: () => client.status === 'ready',
    async run (op, fallback) {
      if (client.status === 'ready') {
        try {
          const result = await op(client)
          // A command timeout marks an outage while the socket stays open; an answer ends it.
          if (!up) cameBack()
          return result
        } catch (err) {
          // A script or argument error (ReplyError) is a bug, not an outage: it falls back unlogged.
          if ((err as Error).name !== 'ReplyError') wentDown((err as { code?: string }).code ?? (err as Error).message)
        }
      } else if (!closed) {
        wentDown(client.status)
      }
      fellBack()
      return await fallback()
    },
    fellBack,
    onAvailability: (listener) => { listeners.push(listener) },
    stats: () => ({ up: up && client.status === 'ready', fallbacks, outages }),
    ready: async (timeoutMs) => {
      if (up) return true
      return await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => resolve(false), timeoutMs)
        timer.unref()
        listeners.push(value => { if (value) { clearTimeout(timer); resolve(true) } })
      })
    },
    async close () {
      closed = true
      await Promise.all([client, subscriber].map(async redis => {
        try {
          await redis.quit()
        } catch {
          redis.disconnect()
        }
      }))
    }
  }
}
