// Rate limiting (SPEC §17) through the app: per connector and key, the draft RateLimit-* headers
// on every allowed answer, 429 RATE_LIMITED with Retry-After over the limit, before any secret is
// read; an upstream 429 passes through unchanged; failed admin tokens are limited per IP.
import t from 'tap'
import type { Test } from 'tap'
import { ADMIN, callerToken, loopbackUpstream, trafficApp } from './fixtures/traffic-app.js'

async function setup (t: Test, connectors: unknown[], env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof trafficApp>> & { up: Awaited<ReturnType<typeof loopbackUpstream>> }> {
  const up = await loopbackUpstream((req, res) => {
    if (req.url === '/busy') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7', 'x-ratelimit-remaining': '0' })
      res.end('{"upstream":"busy"}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  // A connector's `path` (test shorthand) picks the upstream path; /data by default.
  const made = await trafficApp({
    connectors: connectors.map(c => {
      const { path, ...rest } = c as { path?: string }
      return { url: `${up.origin}${path ?? '/data'}`, ...rest }
    })
  }, env)
  t.teardown(async () => { await made.app.close(); await up.close() })
  return { ...made, up }
}

t.test('exactly max answers per window, then 429 RATE_LIMITED with Retry-After and the RateLimit headers', async t => {
  const { app, up, store } = await setup(t, [{ name: 'Limited', rate_limit: { max: 3, window_seconds: 60, key: 'global' }, headers: [{ key: 'X-Key', value: "{{ get_secret('k') }}" }] }])
  store.data.secret.set('k', 'secret-value')
  let reads = 0
  const get = store.get.bind(store)
  store.get = async (kind, name) => { reads++; return await get(kind, name) }
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) {
    const r = await app.inject({ url: '/connectors/limited/execute' })
    statuses.push(r.statusCode)
    t.equal(r.headers['ratelimit-limit'], '3')
    t.equal(r.headers['ratelimit-remaining'], String(2 - i))
    t.match(r.headers['ratelimit-reset'], /^\d+$/)
  }
  t.same(statuses, [200, 200, 200])
  const readsBefore = reads
  const refused = await app.inject({ url: '/connectors/limited/execute' })
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().errors.code, 'RATE_LIMITED')
  t.equal(refused.json().success, false)
  t.match(refused.json().errors.detail, /Rate limit of 3 requests per 60 s for connector 'limited' exceeded; retry in \d+ s/)
  t.match(refused.headers['retry-after'], /^\d+$/)
  t.ok(Number(refused.headers['retry-after']) >= 59)
  t.equal(refused.headers['ratelimit-limit'], '3')
  t.equal(refused.headers['ratelimit-remaining'], '0')
  t.ok(refused.headers['x-request-id'], 'the usual execute headers')
  t.match(refused.headers['server-timing'], /total;dur=/)
  t.equal(up.seen.length, 3, 'the refused call never reached the upstream')
  t.equal(reads, readsBefore, 'nor read a secret')
})

t.test('callers, tenants and connectors are counted apart', async t => {
  const { app } = await setup(t, [
    { name: 'Per caller', rate_limit: { max: 1, window_seconds: 60, key: 'caller' } },
    { name: 'Per tenant', rate_limit: { max: 1, window_seconds: 60, key: 'tenant' } },
    { name: 'Per ip', rate_limit: { max: 1, window_seconds: 60, key: 'ip' } }
  ])
  const ada = { authorization: `Bearer ${await callerToken({ sub: 'ada', tenant_id: 't1' })}` }
  const bob = { authorization: `Bearer ${await callerToken({ sub: 'bob', tenant_id: 't1' })}` }
  const cid = { authorization: `Bearer ${await callerToken({ sub: 'cid', tenant_id: 't2' })}` }
  const status = async (permalink: string, headers: Record<string, string> = {}, ip = '10.0.0.1'): Promise<number> =>
    (await app.inject({ url: `/connectors/${permalink}/execute`, headers, remoteAddress: ip })).statusCode

  t.equal(await status('per-caller', ada), 200)
  t.equal(await status('per-caller', ada), 429)
  t.equal(await status('per-caller', bob), 200, 'another caller has its own counter')
  t.equal(await status('per-caller', {}, '10.0.0.9'), 200, 'an anonymous caller is counted by IP')
  t.equal(await status('per-caller', {}, '10.0.0.9'), 429)

  t.equal(await status('per-tenant', ada), 200)
  t.equal(await status('per-tenant', bob), 429, 'the same tenant shares one counter')
  t.equal(await status('per-tenant', cid), 200, 'another tenant has its own')

  t.equal(await status('per-ip', ada, '10.0.0.1'), 200)
  t.equal(await status('per-ip', bob, '10.0.0.1'), 429)
  t.equal(await status('per-ip', ada, '10.0.0.2'), 200)
})

t.test('settings give every connector its default; rate_limit: false opts out; off by default', async t => {
  const { app } = await setup(t, [{ name: 'Default' }, { name: 'Free', rate_limit: false }], {
    CONDUIT_RATE_LIMIT_ENABLED: 'true', CONDUIT_RATE_LIMIT_MAX: '2', CONDUIT_RATE_LIMIT_WINDOW_SECONDS: '30', CONDUIT_RATE_LIMIT_KEY: 'global'
  })
  const codes = []
  for (let i = 0; i < 3; i++) codes.push((await app.inject({ url: '/connectors/default/execute' })).statusCode)
  t.same(codes, [200, 200, 429])
  const free = await app.inject({ url: '/connectors/free/execute' })
  t.equal(free.statusCode, 200)
  t.equal(free.headers['ratelimit-limit'], undefined, 'no limit, no headers')

  const off = await setup(t, [{ name: 'Unlimited' }])
  for (let i = 0; i < 5; i++) t.equal((await off.app.inject({ url: '/connectors/unlimited/execute' })).statusCode, 200)
})

t.test('an upstream 429 is the upstream\'s answer: status, body and its headers pass through', async t => {
  const { app } = await setup(t, [{ name: 'Busy', path: '/busy', rate_limit: { max: 100, window_seconds: 60 } }])
  const r = await app.inject({ url: '/connectors/busy/execute' })
  t.equal(r.statusCode, 429)
  t.equal(r.body, '{"upstream":"busy"}')
  t.equal(r.headers['retry-after'], '7')
  t.equal(r.headers['x-ratelimit-remaining'], '0')
})

t.test('at most 10 failed admin tokens per minute per IP; then even the right token waits', async t => {
  const { app } = await setup(t, [])
  for (let i = 0; i < 10; i++) {
    const r = await app.inject({ url: '/admin/secrets', headers: { authorization: 'Bearer wrong' }, remoteAddress: '10.1.1.1' })
    t.equal(r.statusCode, 401)
  }
  const blocked = await app.inject({ url: '/admin/secrets', headers: { authorization: `Bearer ${ADMIN}` }, remoteAddress: '10.1.1.1' })
  t.equal(blocked.statusCode, 429)
  t.equal(blocked.json().errors.code, 'RATE_LIMITED')
  t.match(blocked.headers['retry-after'], /^\d+$/)
  const other = await app.inject({ url: '/admin/secrets', headers: { authorization: `Bearer ${ADMIN}` }, remoteAddress: '10.1.1.2' })
  t.equal(other.statusCode, 200, 'another address is not affected')
  t.ok(app.adminAttempts, 'the limiter is there for the Studio login too')
})
