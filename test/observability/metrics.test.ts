// The request and cache-result counters count in plain numbers and hand them to prom-client at
// scrape time: a scrape must show exactly the counts a prom-client Counter incremented on every
// event shows, for any mix of label sets, and a second scrape must not add them again.
import t from 'tap'
import { Counter, Registry } from 'prom-client'
import { createMetrics } from '../../src/observability/metrics.js'
import type { CacheResult } from '../../src/observability/metrics.js'
import { prng } from '../fixtures/prng.js'

/** The lines of one metric family, without HELP and TYPE. */
function series (text: string, name: string): string[] {
  return text.split('\n').filter(l => l.startsWith(name + '{')).sort()
}

t.test('counts scraped at any point equal a prom-client Counter moved on every event', async t => {
  for (let seed = 1; seed <= 30; seed++) {
    const next = prng(seed)
    const pick = <T> (xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
    const ours = createMetrics({ defaultMetrics: false })
    const reference = new Registry()
    const requests = new Counter({ name: 'conduit_requests_total', help: 'h', labelNames: ['connector', 'method', 'status'] as const, registers: [reference] })
    const cache = new Counter({ name: 'conduit_cache_results_total', help: 'h', labelNames: ['connector', 'result'] as const, registers: [reference] })
    for (let round = 0; round < 4; round++) {
      const events = Math.floor(next() * 200)
      for (let i = 0; i < events; i++) {
        const connector = pick(['static', 'realistic', '', 'a-b_c'])
        if (next() < 0.6) {
          const method = pick(['GET', 'POST', 'DELETE'])
          const status = pick([200, 200, 201, 404, 429, 502])
          ours.request(connector, method, status, next())
          requests.inc({ connector, method, status: String(status) })
        } else {
          const result = pick<CacheResult>(['hit', 'miss', 'revalidated', 'bypass'])
          ours.cacheResult(connector, result)
          cache.inc({ connector, result })
        }
      }
      // Scraped once or twice per round: a second scrape must not add the counts again.
      const scrapes = 1 + Math.floor(next() * 2)
      for (let s = 0; s < scrapes; s++) {
        const got = await ours.registry.metrics()
        const want = await reference.metrics()
        for (const name of ['conduit_requests_total', 'conduit_cache_results_total']) {
          t.same(series(got, name), series(want, name), `seed ${seed}, round ${round}, scrape ${s}: ${name}`)
        }
      }
    }
  }
})
