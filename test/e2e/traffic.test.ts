// Rate limits and the HTTP cache end to end (SPEC §8, §17, §19): `conduit serve` as real
// processes, two replicas sharing one real redis-server. Across both replicas a key gets exactly
// `max` answers per window, then 429 with the right headers; callers and tenants are counted
// apart; an upstream 429 passes through; a cached answer stored by one replica is a hit on the other.
import t from 'tap'
import { SignJWT } from 'jose'
import { startConduit, startUpstream, waitForOutput } from './fixtures/harness.js'
import type { Conduit, Reply, Upstream } from './fixtures/harness.js'
import { startRedis } from '../shared-state/fixtures/redis.js'
import type { RedisServer } from '../shared-state/fixtures/redis.js'

const JWT_SECRET = 'e2e-traffic-caller-secret-0123456789abcdef'
let upstream: Upstream
let redis: RedisServer
let a: Conduit
let b: Conduit
let single: Conduit

async function caller (sub: string, tenant: string): Promise<Record<string, string>> {
  const jwt = await new SignJWT({ sub, tenant_id: tenant }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET))
  return { authorization: `Bearer ${jwt}` }
}

t.before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/busy') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '9' })
      res.end('{"upstream":"slow down"}')
      return
    }
    const cached = req.url?.startsWith('/cached') === true
    res.writeHead(200, { 'content-type': 'application/json', ...(cached ? { 'cache-control': 'max-age=60' } : {}) })
    res.end(JSON.stringify({ n: upstream.requests.length }))
  })
  redis = await startRedis()
  const registry = {
    connectors: [
      { name: 'Per caller', url: `${upstream.origin}/data`, rate_limit: { max: 5, window_seconds: 60, key: 'caller' } },
      { name: 'Per tenant', url: `${upstream.origin}/data`, rate_limit: { max: 3, window_seconds: 60, key: 'tenant' } },
      { name: 'Busy', url: `${upstream.origin}/busy`, rate_limit: { max: 100, window_seconds: 60 } },
      { name: 'Cached', url: `${upstream.origin}/cached` }
    ]
  }
  const env = { CONDUIT_REDIS_URL: redis.url, CONDUIT_CACHE_STORE: 'redis', CONDUIT_CALLERS_JWT_SECRET: JWT_SECRET }
  ;[a, b, single] = await Promise.all([
    startConduit({ registry, env }),
    startConduit({ registry, env }),
    startConduit({ registry, env: { CONDUIT_CALLERS_JWT_SECRET: JWT_SECRET } })
  ])
})

t.teardown(async () => {
  await Promise.all([a?.stop(), b?.stop(), single?.stop()])
  await redis?.stop()
  await upstream?.close()
})

t.test('exactly max answers per window per caller across two replicas, then 429 with the headers', async t => {
  const ada = await caller('ada', 't1')
  const replies: Reply[] = []
  for (let i = 0; i < 8; i++) replies.push(await (i % 2 === 0 ? a : b).call('GET', '/connectors/per-caller/execute', { headers: ada }))
  t.same(replies.map(r => r.status), [200, 200, 200, 200, 200, 429, 429, 429], 'five answers in all, alternating replicas')
  t.same(replies.slice(0, 5).map(r => r.headers['ratelimit-remaining']), ['4', '3', '2', '1', '0'])
  for (const r of replies) t.equal(r.headers['ratelimit-limit'], '5')
  const refused = replies[5]
  t.equal(refused.json().errors.code, 'RATE_LIMITED')
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60, 'Retry-After within the window')
  t.ok(Number(refused.headers['ratelimit-reset']) > 0)
  t.equal(upstream.to('/data').length, 5)

  const bob = await caller('bob', 't1')
  t.equal((await b.call('GET', '/connectors/per-caller/execute', { headers: bob })).status, 200, 'another caller is counted apart')
})

t.test('tenants are counted apart, across replicas', async t => {
  const statuses: number[] = []
  for (const [i, sub] of ['u1', 'u2', 'u3', 'u4'].entries()) {
    statuses.push((await (i % 2 === 0 ? a : b).call('GET', '/connectors/per-tenant/execute', { headers: await caller(sub, 'acme') })).status)
  }
  t.same(statuses, [200, 200, 200, 429], 'three per tenant, whoever the caller')
  t.equal((await a.call('GET', '/connectors/per-tenant/execute', { headers: await caller('u5', 'globex') })).status, 200)
})

t.test('an upstream 429 passes through unchanged', async t => {
  const r = await a.call('GET', '/connectors/busy/execute')
  t.equal(r.status, 429)
  t.equal(r.text, '{"upstream":"slow down"}')
  t.equal(r.headers['retry-after'], '9')
  t.equal(r.headers['ratelimit-limit'], '100', 'Conduit\'s own limit was not reached')
})

t.test('with the Redis store a cached answer from one replica is a hit on the other', async t => {
  const first = await a.call('GET', '/connectors/cached/execute')
  const second = await b.call('GET', '/connectors/cached/execute')
  t.equal(first.status, 200)
  t.equal(second.text, first.text)
  t.match(second.headers['server-timing'], /desc="Cache Hit"/)
  t.match(second.headers.age, /^\d+$/)
  t.equal(upstream.to('/cached').length, 1)
})

t.test('without Redis a replica counts and caches on its own; /metrics shows it', async t => {
  const ada = await caller('ada', 't1')
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await single.call('GET', '/connectors/per-caller/execute', { headers: ada })).status)
  t.same(statuses, [200, 200, 200, 200, 200, 429])
  const metrics = await single.call('GET', '/metrics')
  t.match(metrics.text, /conduit_rate_limited_total\{connector="per-caller"\} 1\n/)
  t.match(metrics.text, /conduit_requests_total\{connector="per-caller",method="GET",status="429"\} 1\n/)
  // One access-log line per request, with the caller's sub and never a token.
  const completed = (output: string): string[] => output.split('\n').filter(l => l.includes('"request completed"') && l.includes('per-caller'))
  const lines = completed(await waitForOutput(single, output => completed(output).length >= 6))
  t.ok(lines.length >= 6)
  const line = JSON.parse(lines[0]) as Record<string, unknown>
  t.match(line, { connector: 'per-caller', method: 'GET', status: 200, caller: 'ada', upstream_status: 200, cache: 'miss' })
  t.notMatch(single.output(), /eyJ/, 'no JWT in the log')
})
