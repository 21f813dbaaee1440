// The lifecycle of one `conduit serve` process (SPEC §19), with real processes: graceful shutdown
// with a 12 s upstream call in flight, a shutdown cut by its grace, a slowloris body cut at
// server.requestTimeoutMs, and readiness through a Vault outage and a broken registry file.
// The scenarios are independent and run at the same time.
import t from 'tap'
import { connect } from 'node:net'
import { request, Agent } from 'undici'
import { startConduit, startUpstream } from './fixtures/harness.js'
import type { Upstream } from './fixtures/harness.js'
import { startVaultFake } from './fixtures/vault-fake.js'

t.jobs = 4

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

let upstream: Upstream
t.before(async () => {
  upstream = await startUpstream((req, res) => {
    const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? '0')
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ path: req.url, key: req.headers['x-api-key'] ?? null }))
    }, delay)
  })
})
t.teardown(async () => { await upstream?.close() })

/** A request on a connection of its own (no pooled keep-alive socket), so "refused" means a new connection. */
async function fresh (base: string, path: string): Promise<{ status: number, body: string } | { error: string }> {
  const agent = new Agent({ pipelining: 0 })
  try {
    const res = await request(base + path, { dispatcher: agent })
    return { status: res.statusCode, body: await res.body.text() }
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) }
  } finally {
    await agent.close().catch(() => {})
  }
}

t.test('SIGTERM: a 12 s call in flight completes with 200 while /readyz is 503, then new connections are refused; exit 0', async t => {
  const conduit = await startConduit({
    registry: { connectors: [{ name: 'Slow', url: `${upstream.origin}/slow?delay=12000` }] },
    env: { CONDUIT_SERVER_SHUTDOWN_DELAY_MS: '2000' }
  })
  t.teardown(async () => { await conduit.stop() })
  const inFlight = conduit.call('GET', '/connectors/slow/execute')
  await sleep(500)
  const signalled = Date.now()
  conduit.signal('SIGTERM')
  await sleep(300)
  const ready = await fresh(conduit.base, '/readyz')
  t.match(ready, { status: 503 }, '/readyz answers 503 at once')
  t.match(JSON.parse((ready as { body: string }).body), { status: 'unavailable', checks: { shutdown: 'draining' } })
  t.match(await fresh(conduit.base, '/healthz'), { status: 200 }, 'still serving during the delay')
  await sleep(2500 - (Date.now() - signalled))
  t.match(await fresh(conduit.base, '/healthz'), { error: 'ECONNREFUSED' }, 'after the delay new connections are refused')
  const done = await inFlight
  t.equal(done.status, 200, 'the 12 s call completed')
  t.equal(await conduit.exited, 0, 'exit 0')
  t.notMatch(conduit.output(), /request\(s\) cut/)
  t.match(conduit.output(), /shutdown complete/)
})

t.test('a shutdown grace of 2 s cuts a longer call: exit 1 and a log line naming it', async t => {
  const conduit = await startConduit({
    registry: { connectors: [{ name: 'Very slow', url: `${upstream.origin}/very-slow?delay=10000`, timeout_ms: 20000 }] },
    env: { CONDUIT_SERVER_SHUTDOWN_GRACE_MS: '2000', CONDUIT_UPSTREAM_TIMEOUT_MS: '2000', CONDUIT_SERVER_SHUTDOWN_DELAY_MS: '200' }
  })
  t.teardown(async () => { await conduit.stop() })
  const inFlight = conduit.call('GET', '/connectors/very-slow/execute', { headers: { 'x-request-id': 'cut-me-1' } }).catch((err: Error) => err)
  await sleep(300)
  const signalled = Date.now()
  conduit.signal('SIGTERM')
  t.equal(await conduit.exited, 1, 'exit 1')
  const took = Date.now() - signalled
  t.ok(took >= 1900 && took < 4000, `exited ${took} ms after the signal`)
  const line = conduit.output().split('\n').find(l => l.includes('request(s) cut'))
  t.ok(line !== undefined, 'a log line about the cut')
  t.match(JSON.parse(line as string), {
    level: 50,
    msg: /shutdown grace of 2000 ms is over: exiting with 1 request\(s\) cut: GET \/connectors\/very-slow\/execute \(request cut-me-1/,
    cut: [{ requestId: 'cut-me-1', method: 'GET', path: '/connectors/very-slow/execute' }]
  })
  t.ok(await inFlight instanceof Error, 'the caller saw its connection end')
})

t.test('a request body trickling one byte per second is cut at server.requestTimeoutMs', async t => {
  const conduit = await startConduit({
    registry: { connectors: [{ name: 'Post', url: `${upstream.origin}/post`, method: 'POST' }] },
    env: { CONDUIT_SERVER_REQUEST_TIMEOUT_MS: '3000' }
  })
  t.teardown(async () => { await conduit.stop() })
  const { hostname, port } = new URL(conduit.base)
  const socket = connect(Number(port), hostname)
  let answer = ''
  socket.on('data', (c: Buffer) => { answer += c.toString('utf8') })
  socket.on('error', () => {})
  const started = Date.now()
  socket.write('POST /connectors/post/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n')
  const trickle = setInterval(() => { if (!socket.destroyed) socket.write('1') }, 1000)
  await new Promise<void>(resolve => socket.on('close', () => resolve()))
  clearInterval(trickle)
  const elapsed = Date.now() - started
  t.match(answer, /^HTTP\/1\.1 408/, '408 Request Timeout')
  t.ok(elapsed >= 2900 && elapsed < 5000, `the connection was cut after ${elapsed} ms`)
  t.equal((await conduit.call('GET', '/healthz')).status, 200, 'the server is fine')
})

t.test('readiness: a Vault outage with a warm cache stays ready for the stale window; a broken registry file is "stale"', async t => {
  const vault = await startVaultFake()
  t.teardown(async () => { await vault.stop() })
  vault.data.set('conduit/secrets/api_key', 'vault-held-key-value')
  const registry = { connectors: [{ name: 'Keyed', url: `${upstream.origin}/keyed`, headers: [{ key: 'X-Api-Key', value: "{{ get_secret('api_key') }}" }] }] }
  const conduit = await startConduit({
    registry,
    env: {
      CONDUIT_SECRETS_BACKEND: 'vault',
      CONDUIT_SECRETS_VAULT_ADDRESS: vault.address,
      CONDUIT_SECRETS_VAULT_AUTH_TOKEN: vault.token,
      CONDUIT_SECRETS_VAULT_TIMEOUT_MS: '500',
      // The cache re-reads after 1 s, and serves stale values for 4 s when the store is down.
      CONDUIT_SECRETS_CACHE_TTL_SECONDS: '1',
      CONDUIT_SECRETS_CACHE_STALE_IF_ERROR_SECONDS: '4'
    }
  })
  t.teardown(async () => { await conduit.stop() })
  const warm = await conduit.call('GET', '/connectors/keyed/execute')
  t.equal(warm.json().key, 'vault-held-key-value', 'the cache is warm')
  t.same((await conduit.call('GET', '/readyz')).json(), { status: 'ok', checks: { registry: 'ok', secrets: 'ok' } })

  await vault.stop()
  const stopped = Date.now()
  await sleep(1200) // past the cache TTL: requests now need the store
  const stale = await conduit.call('GET', '/readyz')
  t.equal(stale.status, 200, 'still ready with Vault down')
  t.equal(stale.json().checks.secrets, 'stale')
  const served = await conduit.call('GET', '/connectors/keyed/execute')
  t.equal(served.status, 200, 'calls succeed from the stale cache')
  t.equal(served.json().key, 'vault-held-key-value')

  await sleep(4500 - (Date.now() - stopped))
  const gone = await conduit.call('GET', '/readyz')
  t.equal(gone.status, 503, 'past the stale window the replica is unready')
  t.equal(gone.json().checks.secrets, 'unreachable')
  const failing = await conduit.call('GET', '/connectors/keyed/execute')
  t.equal(failing.status, 503)
  t.equal(failing.json().errors.code, 'SECRET_STORE_UNAVAILABLE')

  await vault.start()
  conduit.writeRegistry('{ "connectors": [ { "name": "Broken", ') // a truncated file, as a bad deploy leaves it
  let ready = await conduit.call('GET', '/readyz')
  for (let i = 0; i < 100 && ready.json().checks.registry !== 'stale'; i++) {
    await sleep(50)
    ready = await conduit.call('GET', '/readyz')
  }
  t.equal(ready.status, 200, 'the previous registry serves, so the replica is ready')
  t.equal(ready.json().checks.registry, 'stale')
  t.match(ready.json().registryError, /registry\.json: invalid JSON: .*\(line 1, column 39\)/)
  t.equal((await conduit.call('GET', '/connectors/keyed/execute')).status, 200, 'the previous registry still serves')

  conduit.writeRegistry(registry)
  for (let i = 0; i < 100 && ready.json().checks.registry !== 'ok'; i++) {
    await sleep(50)
    ready = await conduit.call('GET', '/readyz')
  }
  t.equal(ready.json().checks.registry, 'ok', 'a good file clears the error')
  t.equal(ready.json().registryError, undefined)
})

t.test('a generated master key is logged with where it is and what losing it means', async t => {
  const conduit = await startConduit({ registry: { connectors: [] }, env: { CONDUIT_MASTER_KEY: '' } })
  t.teardown(async () => { await conduit.stop() })
  const line = conduit.output().split('\n').find(l => l.includes('generated a new master key'))
  t.ok(line !== undefined, 'logged')
  const entry = JSON.parse(line as string)
  t.equal(entry.level, 40, 'as a warning')
  t.match(entry.msg, /master\.key: back it up now .*losing it loses every secret in .*secrets\.json/)
  t.match(entry.keyFile, /data\/master\.key$/)
  t.notMatch(conduit.output(), /[A-Za-z0-9+/]{43}=/, 'the key itself is not logged')
})

t.test('with admin.port the admin API answers only on the admin listener', async t => {
  const conduit = await startConduit({ registry: { connectors: [{ name: 'Pub', url: `${upstream.origin}/pub` }] }, env: { CONDUIT_ADMIN_PORT: '0' } })
  t.teardown(async () => { await conduit.stop() })
  const admin = /Conduit admin API, metrics and Studio listening on (http:\/\/[0-9.:]+)/.exec(conduit.output())?.[1]
  t.ok(admin !== undefined && admin !== conduit.base, `admin listener at ${String(admin)}`)
  const auth = { authorization: `Bearer ${conduit.adminToken}` }
  t.equal((await conduit.call('GET', '/admin/secrets', { headers: auth })).status, 404, 'not on the public port')
  t.equal((await conduit.call('GET', '/connectors/pub/execute')).status, 200, 'execute routes on the public port')
  const onAdmin = await request(`${admin as string}/admin/secrets`, { headers: auth })
  t.equal(onAdmin.statusCode, 200)
  await onAdmin.body.dump()
  const health = await request(`${admin as string}/readyz`)
  t.equal(health.statusCode, 200, 'health on both')
  await health.body.dump()
})
