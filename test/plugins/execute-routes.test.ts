import t from 'tap'
import { SignJWT } from 'jose'
import { executeApp } from './fixtures/app.js'

const ORIGIN = 'https://api.example.com'
const SECRET = 'caller-hmac-secret-of-some-length-123'

t.test('one route per method; the connector method must match', async t => {
  const { app, agent } = await executeApp([
    { name: 'G', url: `${ORIGIN}/g` },
    { name: 'H', url: `${ORIGIN}/h`, method: 'HEAD' },
    { name: 'O', url: `${ORIGIN}/o`, method: 'OPTIONS' },
    { name: 'D', url: `${ORIGIN}/d`, method: 'DELETE' }
  ])
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: '/g', method: 'GET' }).reply(200, 'g')
  pool.intercept({ path: '/h', method: 'HEAD' }).reply(204, '')
  pool.intercept({ path: '/o', method: 'OPTIONS' }).reply(200, 'o')
  pool.intercept({ path: '/d', method: 'DELETE' }).reply(202, 'd')
  t.equal((await app.inject({ method: 'GET', url: '/connectors/g/execute' })).body, 'g')
  t.equal((await app.inject({ method: 'HEAD', url: '/connectors/h/execute' })).statusCode, 204)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/connectors/o/execute' })).body, 'o')
  t.equal((await app.inject({ method: 'DELETE', url: '/connectors/d/execute' })).statusCode, 202)
  const wrong = await app.inject({ method: 'PUT', url: '/connectors/g/execute', payload: {} })
  t.equal(wrong.statusCode, 400)
  t.equal(wrong.json().errors.code, 'METHOD_NOT_ALLOWED')
  t.ok(wrong.headers['server-timing'])
  const missing = await app.inject({ method: 'GET', url: '/connectors/nope/execute' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().errors.code, 'CONNECTOR_NOT_FOUND')
  t.equal(missing.json().request_id, missing.headers['x-request-id'])
})

t.test('payload: JSON of any content type, invalid JSON, too large, empty', async t => {
  const { app, agent } = await executeApp([{ name: 'P', url: `${ORIGIN}/p`, method: 'POST' }], { bodyLimit: 64 })
  const bodies: unknown[] = []
  agent.get(ORIGIN).intercept({ path: '/p', method: 'POST' }).reply((o) => { bodies.push(o.body); return { statusCode: 200, data: 'ok' } }).persist()
  t.equal((await app.inject({ method: 'POST', url: '/connectors/p/execute', headers: { 'content-type': 'text/plain' }, payload: '{"a":1}' })).statusCode, 200)
  t.equal(bodies[0], '{"a":1}')
  const bad = await app.inject({ method: 'POST', url: '/connectors/p/execute', headers: { 'content-type': 'application/json' }, payload: '{"a":' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors.code, 'INVALID_REQUEST')
  const big = await app.inject({ method: 'POST', url: '/connectors/p/execute', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(100) }) })
  t.equal(big.statusCode, 413)
  t.equal(big.json().errors.code, 'PAYLOAD_TOO_LARGE')
  t.ok(big.headers['x-connector-timing'], 'timing headers even when the body parser refused')
  const empty = await app.inject({ method: 'POST', url: '/connectors/p/execute', headers: { 'content-type': 'application/json' } })
  t.equal(empty.statusCode, 200)
  t.notOk(bodies[1], 'no payload, no body')
})

t.test('caller identity: INVALID_CALLER_TOKEN, and claims reach the templates', async t => {
  const { app, agent } = await executeApp([
    { name: 'Me', url: `${ORIGIN}/me`, headers: [{ key: 'X-User', value: '{{ user.id }}/{{ tenant_id }}' }] }
  ], { callers: { jwt: { secret: SECRET, issuer: 'host' } } })
  const seen: string[] = []
  agent.get(ORIGIN).intercept({ path: '/me', method: 'GET' }).reply((o) => {
    seen.push((o.headers as Record<string, string>)['X-User'])
    return { statusCode: 200, data: 'ok' }
  }).persist()
  const anon = await app.inject({ method: 'GET', url: '/connectors/me/execute' })
  t.equal(anon.statusCode, 401)
  t.equal(anon.json().errors.code, 'AUTHENTICATION_REQUIRED')
  const bad = await app.inject({ method: 'GET', url: '/connectors/me/execute', headers: { authorization: 'Bearer a.b.c' } })
  t.equal(bad.statusCode, 401)
  t.equal(bad.json().errors.code, 'INVALID_CALLER_TOKEN')
  const token = await new SignJWT({ sub: 'u-7', tenant_id: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('host').setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET))
  const ok = await app.inject({ method: 'GET', url: '/connectors/me/execute', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.same(seen, ['u-7/acme'])
})

t.test('query pairs and X-Path-Params reach the pipeline', async t => {
  const { app, agent } = await executeApp([
    { name: 'Q', url: `${ORIGIN}/q/{{ pathParams.id }}`, path_parameters: [{ key: 'id', overridable: true }] }
  ])
  const paths: string[] = []
  agent.get(ORIGIN).intercept({ path: (p: string) => p.startsWith('/q/'), method: 'GET' }).reply((o) => { paths.push(o.path); return { statusCode: 200, data: '' } }).persist()
  await app.inject({ method: 'GET', url: '/connectors/q/execute?a=1&a=2&b=x%20y', headers: { 'x-path-params': 'id=42' } })
  t.same(paths, ['/q/42?a=1&a=2&b=x%20y'])
  const inv = await app.inject({ method: 'GET', url: '/connectors/q/execute', headers: { 'x-path-params': 'id=a%2Fb' } })
  t.same(inv.json().errors, { code: 'INVALID_PATH_PARAMETERS', detail: inv.json().errors.detail, params: ['id'] })
})

t.test('an unexpected failure is INTERNAL_ERROR without detail', async t => {
  const { app, resolver } = await executeApp([
    { name: 'S', url: `${ORIGIN}/s`, headers: [{ key: 'K', value: "{{ get_secret('k') }}" }] }
  ])
  resolver.resolve = async () => { throw new Error('boom at /work/main/src/secret.ts:1:1') }
  const r = await app.inject({ method: 'GET', url: '/connectors/s/execute' })
  t.equal(r.statusCode, 500)
  t.same(r.json().errors, { code: 'INTERNAL_ERROR', detail: 'Unexpected error' })
  t.notMatch(r.body, /boom|work/)
  t.ok(r.headers['server-timing'])
})
