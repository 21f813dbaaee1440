// The request-time cache of SPEC §5.4 in front of a SecretStore: TTL and negative TTL, one store
// read per cold name however many requests ask at once, an LRU bound, stale-if-error, and
// immediate invalidation for this process's own writes.
import { ConduitError, isConduitError } from '../errors.js'
import { scrub } from './redact.js'
import type { EntryKind, ResolvedValues, SecretResolver, SecretStore } from './types.js'

export interface CacheOptions {
  ttlSeconds: number
  negativeTtlSeconds: number
  staleIfErrorSeconds: number
  maxEntries: number
  /** Milliseconds; injectable so tests move time by hand. */
  now?: () => number
}

/** One store read in progress; identity tells a read superseded by invalidate() from the current one. */
interface Flight {
  promise?: Promise<string | undefined>
}

interface Entry {
  /** undefined = the store said the name does not exist. */
  value: string | undefined
  fetchedAt: number
  lastUsed: number
  /** Set by markStale: the next lookup re-reads, but the value still counts for stale-if-error. */
  stale: boolean
}

const KIND_PREFIX: Record<EntryKind, string> = { secret: 's:', variable: 'v:' }

/** A store failure as the caller sees it: details that quote the store are scrubbed of every known value. */
function unavailable (err: unknown, known: Iterable<string>): ConduitError {
  if (isConduitError(err) && err.code === 'SECRET_STORE_UNAVAILABLE') {
    const detail = scrub(err.message, known)
    return detail === err.message ? err : new ConduitError('SECRET_STORE_UNAVAILABLE', detail)
  }
  return new ConduitError('SECRET_STORE_UNAVAILABLE', 'Secret store unavailable')
}

export class SecretCache implements SecretResolver {
  readonly #store: SecretStore
  readonly #ttlMs: number
  readonly #negativeTtlMs: number
  readonly #staleIfErrorMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  /** One map per kind, keyed by the bare name, so a hit allocates nothing. */
  readonly #entries: Record<EntryKind, Map<string, Entry>> = { secret: new Map(), variable: new Map() }
  /** Recency for the LRU bound: a hit stamps the entry, eviction (on insert, when full) drops the oldest stamp. */
  #tick = 0
  readonly #inflight = new Map<string, Flight>()
  readonly #invalidateListeners: Array<(kind: EntryKind, name: string) => void> = []
  /** Bounded like the entries; insertion order again gives the oldest to drop. */
  readonly #knownSecrets = new Set<string>()
  readonly #maxKnownSecrets: number
  /**
   * Lookups by result, read by the metrics at scrape time (SPEC §18): plain counts cost the hot
   * path nothing. A hit is a name answered from the cache; miss, stale and error count store reads.
   */
  readonly lookups = { hit: 0, miss: 0, stale: 0, error: 0 }

  constructor (store: SecretStore, options: CacheOptions) {
    this.#store = store
    this.#ttlMs = options.ttlSeconds * 1000
    this.#negativeTtlMs = options.negativeTtlSeconds * 1000
    this.#staleIfErrorMs = options.staleIfErrorSeconds * 1000
    this.#maxEntries = Math.max(1, options.maxEntries)
    this.#maxKnownSecrets = Math.max(this.#maxEntries * 4, 10_000)
    this.#now = options.now ?? Date.now
  }

  /**
   * Synchronous fast path: the value when a fresh entry exists, null when the name is freshly
   * known to be missing, undefined when the store has to be asked (use get()).
   */
  peek (kind: EntryKind, name: string): string | null | undefined {
    const entry = this.#entries[kind].get(name)
    if (entry === undefined || entry.stale) return undefined
    const age = this.#now() - entry.fetchedAt
    if (entry.value === undefined) return age < this.#negativeTtlMs ? null : undefined
    if (age >= this.#ttlMs) return undefined
    entry.lastUsed = ++this.#tick
    return entry.value
  }

  /** One name through the cache; undefined when it does not exist. */
  get (kind: EntryKind, name: string): Promise<string | undefined> {
    const hit = this.peek(kind, name)
    if (hit !== undefined) return Promise.resolve(hit ?? undefined)
    const key = KIND_PREFIX[kind] + name
    const pending = this.#inflight.get(key)
    if (pending?.promise !== undefined) return pending.promise
    const flight: Flight = {}
    this.#inflight.set(key, flight)
    flight.promise = this.#read(kind, name, key, flight)
    return flight.promise
  }

  async #read (kind: EntryKind, name: string, key: string, flight: Flight): Promise<string | undefined> {
    let value: string | undefined
    try {
      value = await this.#store.get(kind, name)
    } catch (err) {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key)
      const entry = this.#entries[kind].get(name)
      if (entry !== undefined && entry.value !== undefined && this.#now() - entry.fetchedAt <= this.#staleIfErrorMs) {
        this.lookups.stale++
        return entry.value
      }
      this.lookups.error++
      throw unavailable(err, this.#knownSecrets)
    }
    this.lookups.miss++
    // A write through invalidate() while this read was in flight removed it from #inflight: its
    // answer may predate the write, so it is returned to its waiters but not cached.
    if (this.#inflight.get(key) === flight) {
      this.#inflight.delete(key)
      this.#remember(kind, name, value)
    }
    return value
  }

  #remember (kind: EntryKind, name: string, value: string | undefined): void {
    this.#entries[kind].set(name, { value, fetchedAt: this.#now(), lastUsed: ++this.#tick, stale: false })
    if (this.size > this.#maxEntries) this.#evictLeastRecentlyUsed()
    if (kind === 'secret' && value !== undefined) this.rememberSecretValue(value)
  }

  /** A linear scan, paid only when a store read adds an entry to a full cache (the read costs far more). */
  #evictLeastRecentlyUsed (): void {
    let oldest: { map: Map<string, Entry>, name: string, lastUsed: number } | undefined
    for (const map of [this.#entries.secret, this.#entries.variable]) {
      for (const [name, entry] of map) {
        if (oldest === undefined || entry.lastUsed < oldest.lastUsed) oldest = { map, name, lastUsed: entry.lastUsed }
      }
    }
    oldest?.map.delete(oldest.name)
  }

  resolve (secretNames: readonly string[], variableNames: readonly string[]): Promise<ResolvedValues> {
    const out: ResolvedValues = { secrets: {}, variables: {}, missingSecrets: [], missingVariables: [] }
    // Hits are filled in synchronously; only misses make promises.
    let waits = this.#collect('secret', secretNames, out.secrets, out.missingSecrets, undefined)
    waits = this.#collect('variable', variableNames, out.variables, out.missingVariables, waits)
    if (waits === undefined) return Promise.resolve(out)
    return Promise.all(waits).then(() => out)
  }

  resolveCached (secretNames: readonly string[], variableNames: readonly string[]): ResolvedValues | undefined {
    // A first pass that allocates nothing, so a miss costs no more than the lookups.
    for (const name of secretNames) if (this.peek('secret', name) === undefined) return undefined
    for (const name of variableNames) if (this.peek('variable', name) === undefined) return undefined
    const out: ResolvedValues = { secrets: {}, variables: {}, missingSecrets: [], missingVariables: [] }
    this.#collect('secret', secretNames, out.secrets, out.missingSecrets, undefined)
    this.#collect('variable', variableNames, out.variables, out.missingVariables, undefined)
    return out
  }

  #collect (kind: EntryKind, names: readonly string[], values: Record<string, string>, missing: string[], waits: Array<Promise<void>> | undefined): Array<Promise<void>> | undefined {
    for (const name of names) {
      const hit = this.peek(kind, name)
      if (typeof hit === 'string') {
        values[name] = hit
        this.lookups.hit++
      } else if (hit === null) {
        missing.push(name)
        this.lookups.hit++
      } else {
        (waits ??= []).push(this.get(kind, name).then(value => {
          if (value === undefined) missing.push(name)
          else values[name] = value
        }))
      }
    }
    return waits
  }

  markStale (secretNames: readonly string[]): void {
    for (const name of secretNames) {
      const entry = this.#entries.secret.get(name)
      if (entry !== undefined) entry.stale = true
    }
  }

  invalidate (kind: EntryKind, name: string): void {
    this.forget(kind, name)
    for (const listener of this.#invalidateListeners) listener(kind, name)
  }

  /** Called on every invalidate() (this process's writes): shared state publishes them to the other replicas. */
  onInvalidate (listener: (kind: EntryKind, name: string) => void): void {
    this.#invalidateListeners.push(listener)
  }

  /** Drops a name without telling the listeners: for a write another replica published. */
  forget (kind: EntryKind, name: string): void {
    this.#entries[kind].delete(name)
    this.#inflight.delete(KIND_PREFIX[kind] + name)
  }

  /**
   * Every name is read again on its next use; the values still serve stale-if-error. For when
   * invalidations may have been missed (the connection to the other replicas was down).
   */
  markAllStale (): void {
    for (const map of [this.#entries.secret, this.#entries.variable]) {
      for (const entry of map.values()) entry.stale = true
    }
    this.#inflight.clear()
  }

  /** Values written through the admin API are redacted even before any request resolves them. */
  rememberSecretValue (value: string): void {
    if (value === '') return
    this.#knownSecrets.delete(value)
    this.#knownSecrets.add(value)
    if (this.#knownSecrets.size > this.#maxKnownSecrets) {
      const oldest = this.#knownSecrets.values().next().value
      if (oldest !== undefined) this.#knownSecrets.delete(oldest)
    }
  }

  knownSecretValues (): Iterable<string> {
    return this.#knownSecrets
  }

  /** Number of cached names (fresh or not), for metrics. */
  get size (): number {
    return this.#entries.secret.size + this.#entries.variable.size
  }
}
