// GET /metrics (SPEC §18): Prometheus text that a strict parser accepts, exactly the conduit_*
// families of the SPEC with their labels, every series moving when its event happens, and no
// label or sample holding a URL, a user or a secret.
import t from 'tap'
import { parsePrometheusText, valueOf } from '../observability/fixtures/prom-text.js'
import { ADMIN, callerToken, loopbackUpstream, trafficApp } from './fixtures/traffic-app.js'

const SECRET = 'sk-live-metrics-secret-value'

const FAMILIES: Record<string, { type: string, labels: string[] }> = {
  conduit_requests_total: { type: 'counter', labels: ['connector', 'method', 'status'] },
  conduit_request_duration_seconds: { type: 'histogram', labels: ['connector'] },
  conduit_upstream_duration_seconds: { type: 'histogram', labels: ['connector'] },
  conduit_cache_results_total: { type: 'counter', labels: ['connector', 'result'] },
  conduit_secret_cache_total: { type: 'counter', labels: ['result'] },
  conduit_missing_values_total: { type: 'counter', labels: ['connector', 'kind'] },
  conduit_rate_limited_total: { type: 'counter', labels: ['connector'] },
  conduit_token_requests_total: { type: 'counter', labels: ['result'] },
  conduit_registry_reloads_total: { type: 'counter', labels: ['result'] },
  conduit_registry_ok: { type: 'gauge', labels: [] },
  conduit_registry_connectors: { type: 'gauge', labels: [] }
}

t.test('every §18 series moves when its event happens; nothing private is in the scrape', async t => {
  const up = await loopbackUpstream((req, res) => {
    if (req.url === '/token') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"access_token":"tok-abc-123","expires_in":3600}'); return }
    if (req.url === '/bad-token') { res.writeHead(500); res.end(); return }
    if (req.url === '/etag' && req.headers['if-none-match'] === '"e"') { res.writeHead(304, { etag: '"e"' }); res.end(); return }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': req.url === '/etag' ? 'max-age=0' : 'max-age=60', etag: '"e"' })
    res.end('{}')
  })
  const registry = {
    connectors: [
      { name: 'Cached', url: `${up.origin}/cached?email={{ user.email }}`, headers: [{ key: 'X-Key', value: "{{ get_secret('api_key') }}" }] },
      { name: 'Etag', url: `${up.origin}/etag` },
      { name: 'Uncached', url: `${up.origin}/cached`, cache: false },
      { name: 'Misspelt', url: `${up.origin}/cached`, headers: [{ key: 'X-A', value: "{{ get_secret('nope') }}" }, { key: 'X-B', value: "{{ get_variable('nov') }}" }] },
      { name: 'Limited', url: `${up.origin}/cached`, cache: false, rate_limit: { max: 1, window_seconds: 60, key: 'global' } },
      { name: 'Oauth', url: `${up.origin}/cached`, cache: false, authentication: { type: 'oauth_client_credentials', config: { client_id: 'c', client_secret: "{{ get_secret('api_key') }}", token_url: `${up.origin}/token` } } },
      { name: 'Oauth broken', url: `${up.origin}/cached`, cache: false, authentication: { type: 'oauth_client_credentials', config: { client_id: 'c', client_secret: "{{ get_secret('api_key') }}", token_url: `${up.origin}/bad-token` } } }
    ]
  }
  const { app, store, holder } = await trafficApp(registry, { CONDUIT_SECRETS_CACHE_TTL_SECONDS: '0' })
  t.teardown(async () => { await app.close(); await up.close() })
  store.data.secret.set('api_key', SECRET)
  const scrape = async (): Promise<ReturnType<typeof parsePrometheusText>> => {
    const r = await app.inject({ url: '/metrics' })
    t.equal(r.statusCode, 200)
    t.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    return parsePrometheusText(r.body)
  }

  const start = await scrape()
  for (const [name, { type }] of Object.entries(FAMILIES)) t.equal(start.get(name)?.type, type, `${name} is a ${type}`)
  t.ok(start.has('process_cpu_user_seconds_total'), 'default process metrics')
  t.ok(start.has('nodejs_eventloop_lag_seconds'))
  t.equal(valueOf(start, 'conduit_registry_ok'), 1)
  t.equal(valueOf(start, 'conduit_registry_connectors'), 7)
  t.equal(valueOf(start, 'conduit_registry_reloads_total', { result: 'ok' }), 1, 'the registry in service counts as the first load')

  const ada = { authorization: `Bearer ${await callerToken({ sub: 'ada-subject', email: 'ada@example.com' })}` }
  t.equal((await app.inject({ url: '/connectors/cached/execute', headers: ada })).statusCode, 200)
  t.equal((await app.inject({ url: '/connectors/cached/execute', headers: ada })).statusCode, 200)
  await app.inject({ url: '/connectors/etag/execute' })
  await app.inject({ url: '/connectors/etag/execute' })
  await app.inject({ url: '/connectors/uncached/execute' })
  await app.inject({ url: '/connectors/misspelt/execute' })
  await app.inject({ url: '/connectors/limited/execute' })
  t.equal((await app.inject({ url: '/connectors/limited/execute' })).statusCode, 429)
  t.equal((await app.inject({ url: '/connectors/oauth/execute' })).statusCode, 200)
  t.equal((await app.inject({ url: '/connectors/oauth-broken/execute' })).statusCode, 502)
  t.equal((await app.inject({ url: '/connectors/no-such-thing-ada@example.com/execute' })).statusCode, 404)
  store.down = true
  t.equal((await app.inject({ url: '/connectors/cached/execute', headers: ada })).statusCode, 200, 'stale-if-error')
  store.data.secret.set('other', 'x')
  holder.set({ connectors: [...registry.connectors, { name: 'Needs other', url: `${up.origin}/x`, headers: [{ key: 'X', value: "{{ get_secret('other') }}" }] }] })
  t.equal((await app.inject({ url: '/connectors/needs-other/execute' })).statusCode, 503, 'store down, nothing cached')
  store.down = false
  t.equal(holder.set({ connectors: [{ name: 'Broken', url: 'ftp://nope' }] }).ok, false)

  const end = await scrape()
  const v = (name: string, labels: Record<string, string> = {}): number => valueOf(end, name, labels)
  t.equal(v('conduit_requests_total', { connector: 'cached', method: 'GET', status: '200' }), 3)
  t.equal(v('conduit_requests_total', { connector: 'limited', method: 'GET', status: '429' }), 1)
  t.equal(v('conduit_requests_total', { connector: 'oauth-broken', method: 'GET', status: '502' }), 1)
  t.equal(v('conduit_requests_total', { connector: '', method: 'GET', status: '404' }), 1, 'an unknown permalink is not a label')
  t.equal(v('conduit_request_duration_seconds_count', { connector: 'cached' }), 3)
  t.equal(v('conduit_upstream_duration_seconds_count', { connector: 'cached' }), 1, 'hits are not upstream calls')
  t.equal(v('conduit_upstream_duration_seconds_count', { connector: 'etag' }), 2)
  t.equal(v('conduit_cache_results_total', { connector: 'cached', result: 'miss' }), 1)
  t.equal(v('conduit_cache_results_total', { connector: 'cached', result: 'hit' }), 2)
  t.equal(v('conduit_cache_results_total', { connector: 'etag', result: 'revalidated' }), 1)
  t.equal(v('conduit_cache_results_total', { connector: 'uncached', result: 'bypass' }), 1)
  t.ok(v('conduit_secret_cache_total', { result: 'miss' }) >= 2)
  t.equal(v('conduit_secret_cache_total', { result: 'stale' }), 1)
  t.equal(v('conduit_secret_cache_total', { result: 'error' }), 1)
  t.equal(v('conduit_missing_values_total', { connector: 'misspelt', kind: 'secret' }), 1)
  t.equal(v('conduit_missing_values_total', { connector: 'misspelt', kind: 'variable' }), 1)
  t.equal(v('conduit_rate_limited_total', { connector: 'limited' }), 1)
  t.equal(v('conduit_token_requests_total', { result: 'ok' }), 1)
  t.equal(v('conduit_token_requests_total', { result: 'error' }), 1)
  t.equal(v('conduit_registry_reloads_total', { result: 'ok' }), 2)
  t.equal(v('conduit_registry_reloads_total', { result: 'error' }), 1)
  t.equal(v('conduit_registry_ok'), 0, 'the last read of the registry failed')
  t.equal(v('conduit_registry_connectors'), 8, 'the registry in service')

  for (const [name, { labels }] of Object.entries(FAMILIES)) {
    for (const s of end.get(name)?.samples ?? []) {
      const own = Object.keys(s.labels).filter(l => l !== 'le')
      t.same(own.sort(), [...labels].sort(), `${s.name} has exactly the labels ${labels.join(', ')}`)
    }
  }
  const text = (await app.inject({ url: '/metrics' })).body
  for (const secret of [SECRET, 'tok-abc-123', 'ada@example.com', 'ada-subject', '127.0.0.1', 'http', 'no-such-thing']) {
    t.notOk(text.includes(secret), `the scrape holds no '${secret}'`)
  }
})

t.test('metrics.requireToken puts /metrics behind the admin token; metrics.enabled false removes it', async t => {
  const locked = await trafficApp({ connectors: [] }, { CONDUIT_METRICS_REQUIRE_TOKEN: 'true' })
  t.teardown(async () => { await locked.app.close() })
  t.equal((await locked.app.inject({ url: '/metrics' })).statusCode, 401)
  t.equal((await locked.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${ADMIN}` } })).statusCode, 200)
  const off = await trafficApp({ connectors: [] }, { CONDUIT_METRICS_ENABLED: 'false' })
  t.teardown(async () => { await off.app.close() })
  t.equal((await off.app.inject({ url: '/metrics' })).statusCode, 404)
})
