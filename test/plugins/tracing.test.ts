// Tracing (SPEC §18) with an in-memory exporter: one SERVER span per request continuing the
// caller's traceparent, children for the pipeline's stages and a CLIENT span per upstream call,
// whose context reaches the upstream as traceparent with the caller's trace id. Off by default.
import t from 'tap'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { loopbackUpstream, trafficApp } from './fixtures/traffic-app.js'

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN = '00f067aa0ba902b7'

t.test('a request span with stage children; the upstream gets the caller\'s trace id', async t => {
  const up = await loopbackUpstream((req, res) => {
    if (req.url === '/token') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"access_token":"t","expires_in":3600}'); return }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"n":1}')
  })
  const exporter = new InMemorySpanExporter()
  const { app, store } = await trafficApp({
    connectors: [{
      name: 'Traced',
      url: `${up.origin}/data`,
      cache: false,
      headers: [{ key: 'X-Key', value: "{{ get_secret('k') }}" }],
      authentication: { type: 'oauth_client_credentials', config: { client_id: 'c', client_secret: "{{ get_secret('k') }}", token_url: `${up.origin}/token` } },
      response_body: '{{ (response.body | from_json).n + 1 }}'
    }]
  }, { CONDUIT_TRACING_ENABLED: 'true' }, { tracingExporter: exporter })
  t.teardown(async () => { await app.close(); await up.close() })
  store.data.secret.set('k', 'secret-value')

  const r = await app.inject({ url: '/connectors/traced/execute', headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } })
  t.equal(r.statusCode, 200)
  t.equal(r.body, '2')

  const data = up.seen.find(s => s.url === '/data')
  const upstreamParent = String(data?.headers.traceparent)
  t.match(upstreamParent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`), 'the upstream continues the caller\'s trace')

  const spans = exporter.getFinishedSpans()
  const server = spans.find(s => s.kind === 1)
  t.ok(server, 'a SERVER span')
  t.equal(server?.spanContext().traceId, TRACE_ID)
  t.equal(server?.parentSpanContext?.spanId, CALLER_SPAN, 'its parent is the caller\'s span')
  t.equal(server?.attributes['conduit.connector'], 'traced')
  t.equal(server?.attributes['http.response.status_code'], 200)
  const children = spans.filter(s => s.parentSpanContext?.spanId === server?.spanContext().spanId)
  const names = children.map(s => s.name)
  for (const name of ['secret resolution', 'render', 'token request', 'response template']) t.ok(names.includes(name), `a '${name}' span`)
  const client = children.find(s => s.kind === 2)
  t.ok(client, 'a CLIENT span for the upstream call')
  t.equal(upstreamParent.split('-')[2], client?.spanContext().spanId, 'the upstream\'s parent is the CLIENT span')
  t.equal(client?.attributes['http.response.status_code'], 200)
  for (const s of spans) t.notMatch(JSON.stringify(s.attributes), /secret-value/, 'no secret in any attribute')
})

t.test('tracing is off by default: no traceparent upstream', async t => {
  const up = await loopbackUpstream((_req, res) => { res.writeHead(200); res.end('{}') })
  const { app } = await trafficApp({ connectors: [{ name: 'Plain', url: `${up.origin}/data` }] })
  t.teardown(async () => { await app.close(); await up.close() })
  await app.inject({ url: '/connectors/plain/execute', headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } })
  t.equal(up.seen[0].headers.traceparent, undefined)
})
