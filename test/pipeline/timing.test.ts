import t from 'tap'
import { CallTiming, asciiJson, requestIdFrom, msText } from '../../src/pipeline/timing.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('a valid caller X-Request-ID is kept, anything else replaced by a UUID', async t => {
  t.equal(requestIdFrom('abc-123_x.y'), 'abc-123_x.y')
  t.equal(requestIdFrom(['first', 'second']), 'first')
  t.match(requestIdFrom(undefined), UUID)
  t.match(requestIdFrom(''), UUID)
  t.match(requestIdFrom('has space'), UUID)
  t.match(requestIdFrom('x'.repeat(201)), UUID)
  t.equal(requestIdFrom('x'.repeat(200)), 'x'.repeat(200))
})

t.test('headers carry the five Server-Timing entries and the JSON report', async t => {
  const timing = new CallTiming()
  timing.lap('setup')
  timing.lap('transform')
  timing.lap('cache')
  timing.externalHost = 'api.example.com'
  timing.lap('external')
  const h = timing.headers('rid')
  t.equal(h['x-request-id'], 'rid')
  const st = h['server-timing'].split(', ')
  t.equal(st.length, 5)
  t.match(st[0], /^setup;dur=[\d.]+;desc="Setup"$/)
  t.match(st[1], /^transform;dur=[\d.]+;desc="Template"$/)
  t.match(st[2], /^cache;dur=[\d.]+;desc="Cache Miss"$/)
  t.match(st[3], /^external;dur=[\d.]+;desc="api.example.com"$/)
  t.match(st[4], /^total;dur=[\d.]+;desc="Total"$/)
  const report = JSON.parse(h['x-connector-timing'])
  t.equal(report.request_id, 'rid')
  t.equal(report.cache_hit, false)
  t.equal(report.external_host, 'api.example.com')
  t.same(Object.keys(report.breakdown).sort(), ['cache_ms', 'http_request_ms', 'setup_ms', 'transform_ms'])
  t.notOk('timeout' in report)
  t.ok(report.total_ms >= report.internal_ms)
})

t.test('a timeout shows desc "Timeout" and the error code', async t => {
  const timing = new CallTiming()
  timing.externalHost = 'slow.example.com'
  timing.timeout = true
  timing.error = 'UPSTREAM_TIMEOUT'
  const h = timing.headers('r')
  t.match(h['server-timing'], /external;dur=[\d.]+;desc="Timeout"/)
  const report = JSON.parse(h['x-connector-timing'])
  t.equal(report.timeout, true)
  t.equal(report.error, 'UPSTREAM_TIMEOUT')
})

t.test('asciiJson escapes everything beyond ASCII', async t => {
  const text = asciiJson({ a: 'é€😀' })
  t.notMatch(text, /[^\x20-\x7e]/)
  t.same(JSON.parse(text), { a: 'é€😀' })
})

t.test('the report stays printable ASCII and parses back whatever the host and error text', async t => {
  const timing = new CallTiming()
  timing.externalHost = 'bücher.example:8443'
  timing.error = 'quote " and \\ and \u2028'
  timing.steps.push({ name: 'first', ms: 1.23456 })
  const h = timing.headers('req-1.a_b')
  t.match(h['x-connector-timing'], /^[\x20-\x7e]+$/)
  const report = JSON.parse(h['x-connector-timing'])
  t.equal(report.request_id, 'req-1.a_b')
  t.equal(report.external_host, 'bücher.example:8443')
  t.equal(report.error, 'quote " and \\ and \u2028')
  t.ok(Math.abs(report.internal_ms + report.external_ms - report.total_ms) < 0.0025, 'internal + external = total, to the rounding')
  t.match(h['server-timing'], /, step\.first;dur=1\.235;desc="first", total;dur=/)
})

t.test('msText prints milliseconds exactly as String(Math.round(n * 1000) / 1000)', async t => {
  let mismatches = 0
  const check = (n: number): void => {
    const want = String(Math.round(n * 1000) / 1000)
    if (msText(n) !== want && mismatches++ < 5) t.fail(`${n}: ${msText(n)} instead of ${want}`)
  }
  // Every microsecond count up to 2 s, then durations of all magnitudes and the odd values.
  for (let us = 0; us <= 2_000_000; us++) check(us / 1000)
  let seed = 7
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  for (let i = 0; i < 200_000; i++) check(next() * 10 ** Math.floor(next() * 16))
  for (const n of [0, -0, 0.0004, 0.0005, 0.0015, 1e-9, -0.0004, -1.5, 1e12 + 0.5, 1e15, 1e21, Number.MAX_SAFE_INTEGER, Infinity, NaN]) check(n)
  t.equal(mismatches, 0)
})

t.test('each response names its own external host, whatever the one before named', async t => {
  const desc = (host: string | undefined): string => {
    const timing = new CallTiming()
    timing.externalHost = host
    return /external;dur=[\d.]+;desc=("[^"]*")/.exec(timing.headers('r')['server-timing'])?.[1] ?? ''
  }
  t.equal(desc('a.example:8443'), '"a.example:8443"')
  t.equal(desc('a.example:8443'), '"a.example:8443"')
  t.equal(desc('b"\\.example'), '"b.example"', 'quotes and backslashes dropped')
  t.equal(desc(undefined), '"None"')
  t.equal(desc('a.example:8443'), '"a.example:8443"')
})
