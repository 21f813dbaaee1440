// The per-connector duration histogram must scrape exactly as prom-client's own Histogram with a
// `connector` label does for the same observations: same lines, same order, same numbers.
import t from 'tap'
import { Histogram, Registry } from 'prom-client'
import { ConnectorHistogram } from '../../src/observability/connector-histogram.js'
import { prng } from '../fixtures/prng.js'

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

function pair (): { ours: ConnectorHistogram, theirs: Histogram<'connector'>, a: Registry, b: Registry } {
  const a = new Registry()
  const b = new Registry()
  const ours = new ConnectorHistogram({ name: 'x_duration_seconds', help: 'Some duration', buckets: BUCKETS, registers: [a] })
  const theirs = new Histogram({ name: 'x_duration_seconds', help: 'Some duration', labelNames: ['connector'] as const, buckets: BUCKETS, registers: [b] })
  return { ours, theirs, a, b }
}

t.test('the scrape equals prom-client Histogram for the same observations', async t => {
  for (let seed = 1; seed <= 40; seed++) {
    const next = prng(seed)
    const { ours, theirs, a, b } = pair()
    const connectors = ['static', 'realistic', 'a-b_c', 'composite-one'].slice(0, 1 + Math.floor(next() * 4))
    const n = Math.floor(next() * 200)
    for (let i = 0; i < n; i++) {
      const c = connectors[Math.floor(next() * connectors.length)]
      // Values on, between and beyond the bounds, and zero.
      const kind = next()
      const v = kind < 0.2 ? BUCKETS[Math.floor(next() * BUCKETS.length)] : kind < 0.25 ? 0 : kind < 0.3 ? 100 + next() : next() * next() * 12
      ours.series(c).observe(v)
      theirs.labels(c).observe(v)
    }
    t.equal(await a.metrics(), await b.metrics(), `seed ${seed}: ${n} observations`)
  }
})

t.test('reset zeroes every series, and series handed out before keep counting', async t => {
  const { ours, theirs, a, b } = pair()
  const s = ours.series('static')
  s.observe(0.003)
  theirs.labels('static').observe(0.003)
  a.resetMetrics()
  b.resetMetrics()
  s.observe(0.2)
  theirs.labels('static').observe(0.2)
  t.equal(await a.metrics(), await b.metrics())
  t.match(await a.metrics(), /x_duration_seconds_count\{connector="static"\} 1\n/)
})

t.test('a value that is not a finite number is not counted', async t => {
  const { ours, a } = pair()
  const s = ours.series('static')
  s.observe(Number.NaN)
  s.observe(Number.POSITIVE_INFINITY)
  s.observe(0.01)
  t.match(await a.metrics(), /x_duration_seconds_count\{connector="static"\} 1\n/)
  t.match(await a.metrics(), /x_duration_seconds_sum\{connector="static"\} 0\.01\n/)
})
