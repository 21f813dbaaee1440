import t from 'tap'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { Writable } from 'node:stream'
import { buildApp } from '../../plugins/app.js'
import { loadSettings } from '../../src/settings/load.js'
import { validateRegistryText } from '../../src/registry/load.js'
import { createLogger } from '../../src/secrets/logger.js'
import { MemoryStore } from './fixtures/memory-store.js'
import { inMemoryHolder, staticHolder } from './fixtures/app.js'
import { fullApp } from './fixtures/full-app.js'

t.test('health: /healthz always, /readyz when the registry is loaded and the store answers', async t => {
  // Without a stale window an unreachable store is unready at once (the window: test/plugins/health.test.ts).
  const { app, store, holder } = await fullApp([], { CONDUIT_SECRETS_CACHE_STALE_IF_ERROR_SECONDS: '0' })
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

t.test('at info level each request logs one access-log line without the query string (SPEC §18)', async t => {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({ write (chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb() } })
  const logger = createLogger({ level: 'info', destination, secretValues: () => ['sekrit-value'] })
  const app = await buildApp({
    settings: loadSettings({ env: {}, cwd: tmpdir() }),
    store: new MemoryStore(),
    registry: staticHolder([]),
    adminToken: 'admin-token-for-plugin-tests-0123456789',
    logger: logger as unknown as import('fastify').FastifyBaseLogger
  })
  t.teardown(() => app.close())
  const r = await app.inject({ method: 'GET', url: '/healthz?q=sekrit-value', headers: { 'x-request-id': 'log-1' } })
  t.equal(r.statusCode, 200)
  const done = lines.filter(l => l.reqId === 'log-1')
  t.equal(done.length, 1)
  t.equal(done[0].msg, 'request completed')
  t.match(done[0], { method: 'GET', path: '/healthz', status: 200, request_id: 'log-1' })
  t.type(done[0].duration_ms, 'number')
  t.notMatch(JSON.stringify(done[0]), /sekrit|q=/, 'the query string (which may carry anything) is not logged')
})

t.test('at warn level requests are not logged', async t => {
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb() } })
  const logger = createLogger({ level: 'warn', destination, secretValues: () => [] })
  const app = await buildApp({
    settings: loadSettings({ env: {}, cwd: tmpdir() }),
    store: new MemoryStore(),
    registry: staticHolder([]),
    adminToken: 'admin-token-for-plugin-tests-0123456789',
    logger: logger as unknown as import('fastify').FastifyBaseLogger
  })
  t.teardown(() => app.close())
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  t.same(lines, [])
})

t.test('close() does not wait for upstream calls of callers that went away', async t => {
  // An upstream that takes the request and never answers.
  let arrived!: () => void
  const reached = new Promise<void>(resolve => { arrived = resolve })
  const upstream = createServer(() => { arrived() })
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
  const port = (upstream.address() as { port: number }).port
  const checked = validateRegistryText(JSON.stringify({ connectors: [{ name: 'Hang', url: `http://127.0.0.1:${port}/hang` }] }), { allowInsecure: true, allowPrivateNetworks: true }, 'test')
  const registry = { connectors: new Map(checked.connectors.map(c => [c.permalink, c])), composites: new Map(), warnings: [], sources: ['test'], loadedAt: 0 }
  const app = await buildApp({
    // The upstream timeout is far longer than this test may take.
    settings: loadSettings({ env: { CONDUIT_UPSTREAM_ALLOW_INSECURE: 'true', CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true', CONDUIT_UPSTREAM_TIMEOUT_MS: '600000', CONDUIT_SERVER_SHUTDOWN_GRACE_MS: '600000' }, cwd: tmpdir() }),
    store: new MemoryStore(),
    registry: inMemoryHolder(() => registry),
    adminToken: 'admin-token-for-plugin-tests-0123456789'
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const caller = new AbortController()
  const call = fetch(`${address}/connectors/hang/execute`, { signal: caller.signal }).catch((err: Error) => err)
  await reached
  caller.abort()
  t.ok(await call instanceof Error, 'the caller gave up')
  for (let i = 0; i < 200 && app.lifecycle.inFlight().length > 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
  t.same(app.lifecycle.inFlight(), [], 'a request whose caller went away is no longer in flight')
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    app.close().then(() => 'closed'),
    new Promise(resolve => { timer = setTimeout(() => resolve('still waiting after 10 s'), 10_000) })
  ])
  clearTimeout(timer)
  t.equal(closed, 'closed')
})
