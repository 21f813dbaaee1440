import t from 'tap'
import { fullApp } from './fixtures/full-app.js'

t.test('health: /healthz always, /readyz when the registry is loaded and the store answers', async t => {
  const { app, store, holder } = await fullApp([])
  t.same((await app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  store.down = true
  const down = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(down.statusCode, 503)
  t.equal(down.json().checks.secrets, 'unreachable')
  store.down = false
  Object.defineProperty(holder, 'current', { get: () => undefined })
  const noRegistry = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(noRegistry.statusCode, 503)
  t.equal(noRegistry.json().checks.registry, 'not loaded')
})

t.test('unknown routes and methods are NOT_FOUND envelopes with a request id', async t => {
  const { app } = await fullApp([])
  const r = await app.inject({ method: 'GET', url: '/nowhere?x=1' })
  t.equal(r.statusCode, 404)
  t.same(r.json(), { success: false, errors: { code: 'NOT_FOUND', detail: 'No route GET /nowhere' }, request_id: r.headers['x-request-id'] })
  const put = await app.inject({ method: 'PUT', url: '/healthz' })
  t.equal(put.json().errors.code, 'NOT_FOUND')
})

t.test('a valid caller X-Request-ID is echoed on every response', async t => {
  const { app } = await fullApp([])
  const r = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-123' } })
  t.equal(r.headers['x-request-id'], 'trace-123')
})

t.test('store unavailable at request time is 503 SECRET_STORE_UNAVAILABLE', async t => {
  const { app, store } = await fullApp([{ name: 'S', url: 'https://api.example.com/s', headers: [{ key: 'K', value: "{{ get_secret('k') }}" }] }])
  store.down = true
  const r = await app.inject({ method: 'GET', url: '/connectors/s/execute' })
  t.equal(r.statusCode, 503)
  t.same(r.json().errors, { code: 'SECRET_STORE_UNAVAILABLE', detail: r.json().errors.detail, scope: 'Secrets (store unavailable)' })
})
