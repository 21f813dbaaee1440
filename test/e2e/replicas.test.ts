// Two `conduit serve` replicas sharing one real redis-server and one Vault (a loopback fake of its
// KV v2 API), as on Kubernetes (SPEC §19): a secret written through replica A is used by replica
// B's next request within one second; 100 concurrent OAuth calls across both make one token
// request; with Redis killed requests keep succeeding, and once it is back sharing resumes.
import t from 'tap'
import { startConduit, startUpstream } from './fixtures/harness.js'
import type { Conduit, Upstream } from './fixtures/harness.js'
import { startVaultFake } from './fixtures/vault-fake.js'
import type { VaultFake } from './fixtures/vault-fake.js'
import { startRedis } from '../shared-state/fixtures/redis.js'
import type { RedisServer } from '../shared-state/fixtures/redis.js'

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

let upstream: Upstream
let vault: VaultFake
let redis: RedisServer
let a: Conduit
let b: Conduit

t.before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url?.startsWith('/token') === true) {
      // Slow enough that the 100 calls all miss before the first token arrives.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ access_token: `tok-${upstream.to('/token').length}`, token_type: 'Bearer', expires_in: 3600 }))
      }, 300)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ key: req.headers['x-api-key'] ?? null, auth: req.headers.authorization ?? null }))
  })
  vault = await startVaultFake()
  redis = await startRedis()
  const registry = {
    connectors: [
      { name: 'Keyed', url: `${upstream.origin}/keyed`, headers: [{ key: 'X-Api-Key', value: "{{ get_secret('api_key') }}" }] },
      ...['one', 'two', 'three'].map(id => ({
        name: `Oauth ${id}`,
        url: `${upstream.origin}/oauth`,
        authentication: {
          type: 'oauth_client_credentials',
          config: { client_id: `client-${id}`, client_secret: "{{ get_secret('client_secret') }}", token_url: `${upstream.origin}/token/${id}` }
        }
      }))
    ]
  }
  const env = {
    CONDUIT_SECRETS_BACKEND: 'vault',
    CONDUIT_SECRETS_VAULT_ADDRESS: vault.address,
    CONDUIT_SECRETS_VAULT_AUTH_TOKEN: vault.token,
    CONDUIT_REDIS_URL: redis.url,
    CONDUIT_SERVER_REPLICA_HINT: '2'
  }
  ;[a, b] = await Promise.all([startConduit({ registry, env }), startConduit({ registry, env })])
  t.equal((await a.admin('POST', '/admin/secrets', { name: 'client_secret', value: 'oauth-client-secret-value' })).status, 201)
})

t.teardown(async () => {
  await Promise.all([a?.stop(), b?.stop()])
  await Promise.all([upstream?.close(), vault?.stop(), redis?.stop()])
})

async function keyOn (replica: Conduit): Promise<string> {
  const r = await replica.call('GET', '/connectors/keyed/execute')
  if (r.status !== 200) throw new Error(`keyed answered ${r.status}: ${r.text}`)
  return r.json().key
}

/**
 * Writes through A, then measures from the write's answer to the start of the first request of B
 * that used the new value (request durations on a loaded machine are not part of it).
 */
async function propagation (value: string): Promise<number> {
  const put = await a.admin('PUT', '/admin/secrets/api_key', { value })
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}`)
  const written = Date.now()
  for (;;) {
    const started = Date.now()
    if (await keyOn(b) === value) return started - written
    if (started - written > 5000) return Number.POSITIVE_INFINITY
    await sleep(20)
  }
}

t.test('a secret changed through replica A is used by replica B within one second', async t => {
  t.equal((await a.admin('POST', '/admin/secrets', { name: 'api_key', value: 'first-key-value' })).status, 201)
  t.equal(await keyOn(b), 'first-key-value', 'B reads it from the shared Vault (and caches it for 60 s)')
  t.equal(await keyOn(a), 'first-key-value')
  const ms = await propagation('second-key-value')
  t.ok(ms < 1000, `B's first request using the new value started ${ms} ms after the write (its cache TTL is 60 s)`)
  t.equal(await keyOn(a), 'second-key-value')
  t.notMatch(a.output() + b.output(), /first-key-value|second-key-value|oauth-client-secret-value/, 'no value in any log')
})

t.test('100 concurrent calls across both replicas to an OAuth connector make one token request', async t => {
  const before = upstream.to('/token/one').length
  const replies = await Promise.all(Array.from({ length: 100 }, async (_, i) => await (i % 2 === 0 ? a : b).call('GET', '/connectors/oauth-one/execute')))
  t.same([...new Set(replies.map(r => r.status))], [200], 'every call succeeded')
  t.equal(upstream.to('/token/one').length - before, 1, 'one token request')
  t.same([...new Set(replies.map(r => r.json().auth))], [`Bearer tok-${before + 1}`], 'every call used that token')
})

/** The session cookie of a Studio sign-in on `replica` with its admin token. */
async function studioSignIn (replica: Conduit): Promise<string> {
  const page = await replica.call('GET', '/studio/login')
  const loginCookie = (page.headers['set-cookie'] ?? '').split(';')[0]
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? ''
  const signedIn = await replica.call('POST', '/studio/login', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie },
    body: new URLSearchParams({ _csrf: csrf, token: replica.adminToken }).toString()
  })
  if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`)
  const session = /conduit_studio=[^;]+/.exec(signedIn.headers['set-cookie'] ?? '')?.[0]
  if (session === undefined) throw new Error('no session cookie')
  return session
}

t.test('a Studio session signed in on replica A is valid on B, and signing out on B ends it on A', async t => {
  const cookie = await studioSignIn(a)
  const onB = await b.call('GET', '/studio/connectors', { headers: { cookie } })
  t.equal(onB.status, 200, 'B knows the session')
  t.match(onB.text, /Sign out/)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(onB.text)?.[1] ?? ''
  const out = await b.call('POST', '/studio/logout', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf }).toString()
  })
  t.equal(out.status, 303)
  const onA = await a.call('GET', '/studio/connectors', { headers: { cookie } })
  t.equal(onA.status, 303, 'A no longer accepts it')
  t.equal(onA.headers.location, '/studio/login')
  t.notMatch(a.output() + b.output(), new RegExp(cookie.split('=')[1] as string), 'the session id is in no log')
})

t.test('Redis killed: requests keep succeeding on local state; Redis back: sharing resumes', async t => {
  await redis.kill()
  // Each replica notices at its next Redis command or reconnect attempt.
  for (let i = 0; i < 50 && !(a.output().includes('Redis is unreachable') && b.output().includes('Redis is unreachable')); i++) {
    await a.call('GET', '/connectors/oauth-two/execute')
    await b.call('GET', '/connectors/oauth-two/execute')
    await sleep(50)
  }
  for (const [name, replica] of [['A', a], ['B', b]] as const) {
    t.equal(replica.output().split('Redis is unreachable').length - 1, 1, `${name} logged the outage once`)
  }
  const during = await Promise.all(Array.from({ length: 20 }, async (_, i) => await (i % 2 === 0 ? a : b).call('GET', '/connectors/keyed/execute')))
  t.same([...new Set(during.map(r => r.status))], [200], 'requests keep succeeding')
  t.equal((await a.call('GET', '/connectors/oauth-two/execute')).status, 200, 'OAuth keeps working on the local token cache')
  t.equal((await a.call('GET', '/readyz')).status, 200, 'a Redis outage does not make a replica unready')
  t.equal((await a.call('GET', '/readyz')).json().checks.redis, 'unreachable (local fallback)')

  await redis.start()
  for (let i = 0; i < 100 && !(a.output().includes('Redis is reachable again') && b.output().includes('Redis is reachable again')); i++) await sleep(50)
  t.match(a.output(), /Redis is reachable again: shared state resumes/)
  t.match(b.output(), /Redis is reachable again: shared state resumes/)
  const ms = await propagation('third-key-value')
  t.ok(ms < 1000, `after the outage B again used a new value within ${ms} ms`)

  // A credential first used after the outage is again one token request for both replicas.
  const before = upstream.to('/token/three').length
  const replies = await Promise.all(Array.from({ length: 20 }, async (_, i) => await (i % 2 === 0 ? a : b).call('GET', '/connectors/oauth-three/execute')))
  t.same([...new Set(replies.map(r => r.status))], [200])
  t.equal(upstream.to('/token/three').length - before, 1, 'one token request across both replicas again')
  t.equal((await a.call('GET', '/readyz')).json().checks.redis, 'ok')
})
