// The metrics of SPEC §18, and only these names and labels. Labels carry permalinks and codes
// only: never a URL, a user or a value. The pipeline and the plugins report events through the
// small methods below; nothing else touches prom-client.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { ConnectorHistogram } from './connector-histogram.js'

export type CacheResult = 'hit' | 'miss' | 'revalidated' | 'bypass'
export type SecretCacheResult = 'hit' | 'miss' | 'stale' | 'error'
export type TokenRequestResult = 'ok' | 'error'

/** What the pipeline reports; every method is cheap and never throws. */
export interface ConduitMetrics {
  readonly registry: Registry
  /** One execute request answered (any status), with its whole duration. */
  request: (connector: string, method: string, status: number, seconds: number) => void
  /** One upstream call (connector or composite step) answered or failed after `seconds`. */
  upstream: (connector: string, seconds: number) => void
  cacheResult: (connector: string, result: CacheResult) => void
  /** The secret cache counts its own lookups (plain numbers); the metric reads them at scrape time. */
  watchSecretCache: (read: () => Readonly<Record<SecretCacheResult, number>>) => void
  missingValue: (connector: string, kind: 'secret' | 'variable') => void
  rateLimited: (connector: string) => void
  tokenRequest: (result: TokenRequestResult) => void
  /** A registry load or reload: its result, and the registry in service afterwards. */
  registryReload: (result: 'ok' | 'error', connectors: number) => void
}

const SECRET_RESULTS: readonly SecretCacheResult[] = ['hit', 'miss', 'stale', 'error']

/** Upstream APIs answer in tens of milliseconds to seconds; the gateway's own time is below 1 ms. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export interface MetricsOptions {
  /** Default process metrics (CPU, memory, event loop, GC); off in tests that count series. */
  defaultMetrics?: boolean
}

export function createMetrics (options: MetricsOptions = {}): ConduitMetrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  // The two counters moved on every request count in plain numbers, added at scrape time.
  const requestCounts = new PendingCounts<'connector' | 'method' | 'status'>()
  const cacheCounts = new PendingCounts<'connector' | 'result'>()
  const requests: Counter<'connector' | 'method' | 'status'> = new Counter({ name: 'conduit_requests_total', help: 'Execute requests answered, by connector permalink, method and status code', labelNames: ['connector', 'method', 'status'] as const, registers, collect () { requestCounts.flushTo(requests) } })
  const requestDuration = new ConnectorHistogram({ name: 'conduit_request_duration_seconds', help: 'Whole execute request duration', buckets: DURATION_BUCKETS, registers })
  const upstreamDuration = new ConnectorHistogram({ name: 'conduit_upstream_duration_seconds', help: 'Upstream call duration (connectors and composite steps)', buckets: DURATION_BUCKETS, registers })
  const cacheResults: Counter<'connector' | 'result'> = new Counter({ name: 'conduit_cache_results_total', help: 'HTTP cache lookups by result (hit, miss, revalidated, bypass)', labelNames: ['connector', 'result'] as const, registers, collect () { cacheCounts.flushTo(cacheResults) } })
  let readSecretCache: (() => Readonly<Record<SecretCacheResult, number>>) | undefined
  const secretCacheSeen: Record<SecretCacheResult, number> = { hit: 0, miss: 0, stale: 0, error: 0 }
  const secretCache: Counter<'result'> = new Counter({
    name: 'conduit_secret_cache_total',
    help: 'Secret and variable cache lookups by result (hit, miss, stale, error)',
    labelNames: ['result'] as const,
    registers,
    collect () {
      const now = readSecretCache?.()
      if (now === undefined) return
      for (const r of SECRET_RESULTS) {
        const delta = now[r] - secretCacheSeen[r]
        if (delta > 0) secretCache.inc({ result: r }, delta)
        secretCacheSeen[r] = now[r]
      }
    }
  })
  const missing = new Counter({ name: 'conduit_missing_values_total', help: 'get_secret/get_variable names that did not resolve, by connector and kind', labelNames: ['connector', 'kind'] as const, registers })
  const rateLimited = new Counter({ name: 'conduit_rate_limited_total', help: 'Requests refused with 429 RATE_LIMITED', labelNames: ['connector'] as const, registers })
  const tokenRequests = new Counter({ name: 'conduit_token_requests_total', help: 'OAuth token requests by result (ok, error)', labelNames: ['result'] as const, registers })
  const reloads = new Counter({ name: 'conduit_registry_reloads_total', help: 'Registry loads and reloads by result (ok, error)', labelNames: ['result'] as const, registers })
  const registryOk = new Gauge({ name: 'conduit_registry_ok', help: '1 when the registry on disk loaded the last time it was read, else 0', registers })
  const registryConnectors = new Gauge({ name: 'conduit_registry_connectors', help: 'Connectors and composites in the registry in service', registers })
  // Each result series exists from the start, so a rate() over it never starts from nothing.
  for (const r of SECRET_RESULTS) secretCache.inc({ result: r }, 0)
  for (const r of ['ok', 'error']) { tokenRequests.inc({ result: r }, 0); reloads.inc({ result: r }, 0) }

  return {
    registry,
    request (connector, method, status, seconds) {
      requestCounts.add(connector, method, status, () => ({ connector, method, status: String(status) }))
      requestDuration.series(connector).observe(seconds)
    },
    upstream (connector, seconds) {
      upstreamDuration.series(connector).observe(seconds)
    },
    cacheResult (connector, result) {
      cacheCounts.add(connector, result, undefined, () => ({ connector, result }))
    },
    watchSecretCache (read) { readSecretCache = read },
    missingValue (connector, kind) { missing.inc({ connector, kind }) },
    rateLimited (connector) { rateLimited.inc({ connector }) },
    tokenRequest (result) { tokenRequests.inc({ result }) },
    registryReload (result, connectors) {
      reloads.inc({ result })
      registryOk.set(result === 'ok' ? 1 : 0)
      registryConnectors.set(connectors)
    }
  }
}

/**
 * Counts per label set as plain numbers, added to a prom-client counter when it is collected
 * (a scrape). prom-client's inc(), even through a bound child, hashes and checks the label set
 * on every call; here a request costs two or three map lookups (one level per label value, so
 * no key string is built) and an addition.
 */
class PendingCounts<L extends string> {
  readonly #levels = new Map<string, Map<string | number, Pending<L> | Map<string | number, Pending<L>>>>()
  readonly #all: Array<Pending<L>> = []

  /** One more for the label values a, b (and c); `labels` builds their labels the first time. */
  add (a: string, b: string | number, c: string | number | undefined, labels: () => Partial<Record<L, string>>): void {
    let second = this.#levels.get(a)
    if (second === undefined) {
      second = new Map()
      this.#levels.set(a, second)
    }
    let slot: Pending<L> | Map<string | number, Pending<L>> | undefined = second.get(b)
    if (c !== undefined) {
      let third = slot as Map<string | number, Pending<L>> | undefined
      if (third === undefined) {
        third = new Map()
        second.set(b, third)
      }
      slot = third.get(c)
      if (slot === undefined) third.set(c, this.#made(labels))
      else (slot as Pending<L>).pending++
      return
    }
    if (slot === undefined) second.set(b, this.#made(labels))
    else (slot as Pending<L>).pending++
  }

  #made (labels: () => Partial<Record<L, string>>): Pending<L> {
    const entry = { labels: labels(), pending: 1 }
    this.#all.push(entry)
    return entry
  }

  flushTo (counter: Counter<L>): void {
    for (const s of this.#all) {
      if (s.pending === 0) continue
      counter.inc(s.labels, s.pending)
      s.pending = 0
    }
  }
}

interface Pending<L extends string> {
  labels: Partial<Record<L, string>>
  pending: number
}
