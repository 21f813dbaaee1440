// CORS for browser callers (SPEC §21): preflights answered before any connector, the connector's
// own method allowed, the SPEC's request and exposed headers, only listed origins, execute routes only.
import t from 'tap'
import { loadSettings } from '../../src/settings/load.js'
import { auth, fullApp } from './fixtures/full-app.js'

const ORIGIN = 'https://widgets.example.com'
const connectors = [
  { name: 'Options Probe', url: 'https://api.example.com/probe', method: 'OPTIONS' },
  { name: 'Items', url: 'https://api.example.com/items', method: 'GET' }
]

const preflight = (origin: string, method = 'GET', url = '/connectors/items/execute') => ({
  method: 'OPTIONS' as const,
  url,
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, x-path-params' }
})

t.test('a preflight from an allowed origin: 204 with the method and headers of §21', async t => {
  const { app } = await fullApp(connectors, { CONDUIT_CORS_ORIGINS: ORIGIN })
  t.teardown(() => app.close())
  const r = await app.inject(preflight(ORIGIN))
  t.equal(r.statusCode, 204)
  t.equal(r.body, '')
  t.equal(r.headers['access-control-allow-origin'], ORIGIN)
  t.equal(r.headers['access-control-allow-methods'], 'GET', "the connector's own method")
  t.equal(r.headers['access-control-allow-headers'], 'Content-Type, Authorization, X-Path-Params, X-Request-ID, traceparent')
  t.match(r.headers['access-control-expose-headers'], /X-Request-ID, Server-Timing, X-Connector-Timing, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset.*Retry-After/)
  t.match(r.headers.vary, /Origin/)
  t.equal(r.headers['access-control-allow-credentials'], undefined, 'no cookies across origins')
})

t.test('a preflight never reaches a connector whose method is OPTIONS; a plain OPTIONS call does', async t => {
  const { app, agent } = await fullApp(connectors, { CONDUIT_CORS_ORIGINS: ORIGIN })
  t.teardown(() => app.close())
  const pre = await app.inject(preflight(ORIGIN, 'OPTIONS', '/connectors/options-probe/execute'))
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-methods'], 'OPTIONS')
  t.equal(pre.headers['x-connector-timing'], undefined, 'the execute route did not run')
  agent.get('https://api.example.com').intercept({ path: '/probe', method: 'OPTIONS' }).reply(200, 'probed', { headers: { 'content-type': 'text/plain' } })
  const call = await app.inject({ method: 'OPTIONS', url: '/connectors/options-probe/execute', headers: { origin: ORIGIN } })
  t.equal(call.statusCode, 200)
  t.equal(call.body, 'probed')
  t.equal(call.headers['access-control-allow-origin'], ORIGIN)
})

t.test('answers carry the CORS headers for allowed origins only', async t => {
  const { app, agent } = await fullApp(connectors, { CONDUIT_CORS_ORIGINS: `${ORIGIN}, https://other.example.com:8443` })
  t.teardown(() => app.close())
  agent.get('https://api.example.com').intercept({ path: '/items', method: 'GET' }).reply(200, '{"ok":true}', { headers: { 'content-type': 'application/json' } }).times(2)
  const ok = await app.inject({ method: 'GET', url: '/connectors/items/execute', headers: { origin: ORIGIN } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['access-control-allow-origin'], ORIGIN)
  t.match(ok.headers['access-control-expose-headers'], 'X-Connector-Timing')
  const refused = await app.inject({ method: 'GET', url: '/connectors/items/execute', headers: { origin: 'https://evil.example' } })
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'the browser will refuse the answer')
  const refusedPre = await app.inject(preflight('https://evil.example'))
  t.equal(refusedPre.statusCode, 204)
  t.equal(refusedPre.headers['access-control-allow-origin'], undefined)
  const composite = await app.inject(preflight(ORIGIN, 'POST', '/connectors/composite/none/execute'))
  t.equal(composite.statusCode, 204)
  const admin = await app.inject({ method: 'GET', url: '/admin/connectors', headers: { ...auth, origin: ORIGIN } })
  t.equal(admin.statusCode, 200)
  t.equal(admin.headers['access-control-allow-origin'], undefined, 'the admin API is never cross-origin')
  const adminPre = await app.inject(preflight(ORIGIN, 'GET', '/admin/connectors'))
  t.equal(adminPre.statusCode, 404)
})

t.test('by default no origin is allowed, and a preflight no longer gets METHOD_NOT_ALLOWED', async t => {
  const { app } = await fullApp(connectors)
  t.teardown(() => app.close())
  const r = await app.inject(preflight(ORIGIN))
  t.equal(r.statusCode, 204)
  t.equal(r.headers['access-control-allow-origin'], undefined)
})

t.test("'*' allows any origin", async t => {
  const { app } = await fullApp(connectors, { CONDUIT_CORS_ORIGINS: '*' })
  t.teardown(() => app.close())
  t.equal((await app.inject(preflight('https://anywhere.example'))).headers['access-control-allow-origin'], '*')
})

t.test('cors.origins: a list from the file or CONDUIT_CORS_ORIGINS; an origin with a path is refused', async t => {
  const cwd = t.testdir({ 'conduit.json': JSON.stringify({ cors: { origins: ['https://a.example'] } }) })
  t.same(loadSettings({ configPath: 'conduit.json', env: {}, cwd }).cors.origins, ['https://a.example'])
  t.same(loadSettings({ env: { CONDUIT_CORS_ORIGINS: 'https://a.example, http://127.0.0.1:5173' }, cwd }).cors.origins, ['https://a.example', 'http://127.0.0.1:5173'])
  t.throws(() => loadSettings({ env: { CONDUIT_CORS_ORIGINS: 'https://a.example/app' }, cwd }), /cors\.origins/)
})
