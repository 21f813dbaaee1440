// createTestGateway beyond the user-style example (examples/nock-test): registry objects,
// composites, caller JWTs, the debug view, the SSRF guard when settings turn it on, a real
// loopback upstream through node:http, and its own errors.
import t from 'tap'
import nock from 'nock'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SignJWT } from 'jose'
import { createTestGateway } from 'conduit/testing'

const ORIGIN = 'https://api.example.com'
const REGISTRY = {
  connectors: [
    {
      name: 'Profile',
      url: `${ORIGIN}/profiles/{{ user.id }}`,
      headers: [{ key: 'X-Email', value: '{{ user.email }}' }, { key: 'X-Tenant', value: '{{ tenant_id }}' }, { key: 'X-Key', value: "{{ get_secret('key') }}" }]
    },
    {
      name: 'Typo',
      url: `${ORIGIN}/typo`,
      headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }]
    },
    { name: 'Create', url: `${ORIGIN}/things`, method: 'POST' }
  ],
  composite_connectors: [{
    name: 'Two Steps',
    steps: [
      { name: 'first', url: `${ORIGIN}/first` },
      { name: 'second', url: `${ORIGIN}/second/{{ (steps.first.body | from_json if steps.first.body is string else steps.first.body).next }}` }
    ]
  }]
}

t.before(() => { nock.disableNetConnect() })
t.afterEach(() => { nock.cleanAll() })
t.teardown(() => { nock.enableNetConnect() })

t.test('a registry object, a user, timing headers', async t => {
  const gw = await createTestGateway({ registry: REGISTRY, secrets: { key: 'k-1' } })
  t.teardown(() => gw.close())
  const scope = nock(ORIGIN).get('/profiles/u1').matchHeader('x-email', 'ada@example.com').matchHeader('x-tenant', 't-9').matchHeader('x-key', 'k-1').reply(200, 'hi')
  const res = await gw.execute({ permalink: 'profile', method: 'GET', user: { id: 'u1', email: 'ada@example.com', tenant_id: 't-9' }, headers: { 'X-Request-ID': 'req-1' } })
  t.equal(res.status, 200)
  t.equal(res.body, 'hi')
  t.equal(res.headers['x-request-id'], 'req-1')
  t.match(JSON.parse(res.headers['x-connector-timing']), { request_id: 'req-1', external_host: 'api.example.com' })
  t.ok(scope.isDone())

  const anonymous = await gw.execute({ permalink: 'profile', method: 'GET' })
  t.equal(anonymous.status, 401)
  t.equal(anonymous.json<{ errors: { code: string } }>().errors.code, 'AUTHENTICATION_REQUIRED')
  t.match(anonymous.headers['x-connector-timing'], /"error":"AUTHENTICATION_REQUIRED"/)
})

t.test('a caller JWT is verified with the callers settings, as serve does', async t => {
  const secret = 'caller-signing-secret-0123456789abcdef'
  const gw = await createTestGateway({ registry: REGISTRY, secrets: { key: 'k' }, settings: { callers: { jwt: { secret } } } })
  t.teardown(() => gw.close())
  const token = await new SignJWT({ email: 'grace@example.com', tenant_id: 'navy' }).setProtectedHeader({ alg: 'HS256' }).setSubject('g1').setExpirationTime('5m').sign(Buffer.from(secret))
  const scope = nock(ORIGIN).get('/profiles/g1').matchHeader('x-email', 'grace@example.com').matchHeader('x-tenant', 'navy').reply(204)
  const res = await gw.execute({ permalink: 'profile', headers: { authorization: `Bearer ${token}` } })
  t.equal(res.status, 204)
  t.ok(scope.isDone())
  const bad = await gw.execute({ permalink: 'profile', headers: { authorization: `Bearer ${token}x` } })
  t.equal(bad.status, 401)
  t.equal(bad.json<{ errors: { code: string } }>().errors.code, 'INVALID_CALLER_TOKEN')
})

t.test('composites run step by step', async t => {
  const gw = await createTestGateway({ registry: REGISTRY })
  t.teardown(() => gw.close())
  nock(ORIGIN).get('/first').reply(200, { next: 'n2' }).get('/second/n2').reply(200, { done: true })
  const res = await gw.execute({ permalink: 'two-steps', method: 'POST' })
  t.equal(res.status, 200)
  t.same(res.json(), { done: true })
  t.match(res.headers['server-timing'], /step\.first;dur=.*step\.second;dur=/)
  const wrong = await gw.execute({ permalink: 'two-steps', method: 'GET' })
  t.equal(wrong.status, 400)
  t.equal(wrong.json<{ errors: { code: string } }>().errors.code, 'METHOD_NOT_ALLOWED')
})

t.test('a misspelt secret: sent as written, listed as unresolved; with onMissing fail, 422 and still listed', async t => {
  const gw = await createTestGateway({ registry: REGISTRY, secrets: { api_key: 'right-value' } })
  t.teardown(() => gw.close())
  const scope = nock(ORIGIN).get('/typo').matchHeader('authorization', "Bearer {{ get_secret('api_kye') }}").reply(200, 'ok')
  const res = await gw.executeWithDebug({ permalink: 'typo' })
  t.equal(res.status, 200)
  t.match(res.debug, { headers: { Authorization: "Bearer {{ get_secret('api_kye') }}" }, unresolved: ['secret:api_kye'] })
  t.notOk(JSON.stringify(res.debug).includes('right-value'))
  t.ok(scope.isDone())

  const strict = await createTestGateway({ registry: REGISTRY, secrets: { api_key: 'right-value' }, settings: { secrets: { onMissing: 'fail' } } })
  t.teardown(() => strict.close())
  const failed = await strict.executeWithDebug({ permalink: 'typo' })
  t.equal(failed.status, 422)
  t.equal(failed.json<{ errors: { code: string } }>().errors.code, 'SECRET_NOT_FOUND')
  t.match(failed.debug, { unresolved: ['secret:api_kye'] })
})

t.test('through node:http to a real loopback upstream; the SSRF guard only when settings turn it on', async t => {
  const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ path: req.url })) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  nock.enableNetConnect('127.0.0.1')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local`
  const registry = { connectors: [{ name: 'Local', url }] }

  const open = await createTestGateway({ registry, settings: { upstream: { allowInsecure: true } } })
  t.teardown(() => open.close())
  const ok = await open.execute({ permalink: 'local' })
  t.equal(ok.status, 200)
  t.same(ok.json(), { path: '/local' })

  await t.rejects(createTestGateway({ registry, settings: { upstream: { allowInsecure: true, allowPrivateNetworks: false } } }), /localhost|private|blocked|127\.0\.0\.1/i, 'a literal loopback URL is refused at load')
  const guarded = await createTestGateway({
    registry: { connectors: [{ name: 'Local', url: "http://{{ get_variable('host') }}/local" }] },
    variables: { host: `127.0.0.1:${(server.address() as AddressInfo).port}` },
    settings: { upstream: { allowInsecure: true, allowPrivateNetworks: false } }
  })
  t.teardown(() => guarded.close())
  const refused = await guarded.execute({ permalink: 'local' })
  t.equal(refused.status, 502)
  t.equal(refused.json<{ errors: { code: string } }>().errors.code, 'DESTINATION_NOT_ALLOWED')
})

t.test('errors of the gateway itself', async t => {
  await t.rejects(createTestGateway({ registry: REGISTRY, settings: { upstream: { timeoutMs: -1 } } }), /upstream\.timeoutMs/)
  await t.rejects(createTestGateway({ registry: { connectors: [{ name: 'No URL' }] } }), /url/)
  const gw = await createTestGateway({ registry: REGISTRY })
  const unknown = await gw.execute({ permalink: 'nope' })
  t.equal(unknown.status, 404)
  const badJson = await gw.execute({ permalink: 'create', payload: '{not json' })
  t.equal(badJson.status, 400)
  t.equal(badJson.json<{ errors: { code: string } }>().errors.code, 'INVALID_REQUEST')
  const scope = nock(ORIGIN).post('/things', { a: 1 }).reply(201)
  t.equal((await gw.execute({ permalink: 'create', method: 'post', payload: { a: 1 } })).status, 201)
  t.ok(scope.isDone())
  await gw.close()
  await t.rejects(gw.execute({ permalink: 'create' }), /closed/)
})

t.test("README's snippet: the example registry's crm-contact with nock", async t => {
  const gw = await createTestGateway({ registry: 'config/connectors_registry.json', secrets: { crm_token: 'test-token' } })
  t.teardown(() => gw.close())
  const scope = nock('https://api.hubapi.com').get('/crm/v3/objects/contacts/42').query(true)
    .matchHeader('authorization', 'Bearer test-token').reply(200, { id: '42' })
  const res = await gw.execute({ permalink: 'crm-contact', method: 'GET', pathParams: { contact_id: '42' }, user: { email: 'ops@example.com' } })
  t.equal(res.status, 200)
  t.same(res.json(), { id: '42' })
  t.ok(scope.isDone())
})

t.test('upstream limits hold through the http dispatcher: timeout and response size', async t => {
  const gw = await createTestGateway({ registry: REGISTRY, settings: { upstream: { timeoutMs: 200, maxResponseBytes: 1000 } } })
  t.teardown(() => gw.close())
  nock(ORIGIN).post('/things').delay(2000).reply(200, 'late')
  const started = Date.now()
  const late = await gw.execute({ permalink: 'create', payload: {} })
  t.equal(late.status, 502)
  t.equal(late.json<{ errors: { code: string } }>().errors.code, 'UPSTREAM_TIMEOUT')
  t.ok(Date.now() - started < 1500, 'the deadline, not the upstream, ended the call')
  t.match(JSON.parse(late.headers['x-connector-timing']), { timeout: true })

  nock(ORIGIN).post('/things').reply(200, 'x'.repeat(5000))
  const big = await gw.execute({ permalink: 'create', payload: {} })
  t.equal(big.status, 502)
  t.equal(big.json<{ errors: { code: string } }>().errors.code, 'UPSTREAM_RESPONSE_TOO_LARGE')
})
