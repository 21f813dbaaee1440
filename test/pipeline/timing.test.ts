import t from 'tap'
import { CallTiming, asciiJson, requestIdFrom } from '../../src/pipeline/timing.js'

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
