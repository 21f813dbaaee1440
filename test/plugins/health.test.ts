// /readyz of SPEC §19: the store may be down for the stale window, a failed reload is "stale" with
// its error, and shutdown turns readiness off at once.
import t from 'tap'
import { fullApp } from './fixtures/full-app.js'

t.test('a store outage keeps the replica ready for secrets.cache.staleIfErrorSeconds, then not', async t => {
  const { app, store } = await fullApp([], { CONDUIT_SECRETS_CACHE_STALE_IF_ERROR_SECONDS: '60' })
  t.teardown(async () => { await app.close() })
  const first = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(first.statusCode, 200)
  t.same(first.json(), { status: 'ok', checks: { registry: 'ok', secrets: 'ok' } })
  store.down = true
  const stale = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(stale.statusCode, 200, 'still ready: cached values can serve')
  t.equal(stale.json().checks.secrets, 'stale')
})

t.test('after the stale window an unreachable store is not ready', async t => {
  const { app, store } = await fullApp([], { CONDUIT_SECRETS_CACHE_STALE_IF_ERROR_SECONDS: '1' })
  t.teardown(async () => { await app.close() })
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  store.down = true
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  await new Promise(resolve => setTimeout(resolve, 1100))
  const gone = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(gone.statusCode, 503)
  t.same(gone.json(), { status: 'unavailable', checks: { registry: 'ok', secrets: 'unreachable' } })
})

t.test('a store never reached is not ready', async t => {
  const { app, store } = await fullApp([])
  t.teardown(async () => { await app.close() })
  store.down = true
  const r = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(r.statusCode, 503)
  t.equal(r.json().checks.secrets, 'unreachable')
})

t.test('a failed reload leaves the registry "stale" with its error, and the replica ready', async t => {
  const { app, holder } = await fullApp([])
  t.teardown(async () => { await app.close() })
  Object.defineProperty(holder, 'lastError', { get: () => [{ file: 'registry.json', line: 3, column: 7, message: 'Unexpected token' }] })
  const r = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(r.statusCode, 200)
  t.equal(r.json().checks.registry, 'stale')
  t.equal(r.json().registryError, 'registry.json: Unexpected token (line 3, column 7)')
})

t.test('draining: /readyz is 503 at once while other routes keep answering, with Connection: close', async t => {
  const { app } = await fullApp([])
  t.teardown(async () => { await app.close() })
  app.lifecycle.drain()
  const r = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(r.statusCode, 503)
  t.equal(r.json().checks.shutdown, 'draining')
  const h = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(h.statusCode, 200)
  t.equal(h.headers.connection, 'close')
})
