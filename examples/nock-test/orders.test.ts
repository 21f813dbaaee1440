// A contract test of connectors, written as a Conduit user writes one (README "Testing your
// connectors"): copy this file and connectors_registry.json next to your own registry, then run
// `npx tap`. No network and no real secret: nock answers for the APIs.
import t from 'tap'
import nock from 'nock'
import { createTestGateway } from 'conduit/testing'

const registry = new URL('./connectors_registry.json', import.meta.url).pathname

t.before(() => { nock.disableNetConnect() })
t.afterEach(() => { nock.cleanAll() })
t.teardown(() => { nock.enableNetConnect() })

async function gateway (t: { teardown: (fn: () => unknown) => void }) {
  const gw = await createTestGateway({
    registry,
    secrets: { orders_api_key: 'test-key', orders_client_secret: 'test-client-secret' },
    variables: { orders_client_id: 'conduit-tests' }
  })
  t.teardown(() => gw.close())
  return gw
}

t.test('GET an order: api key header, path parameter, response template', async t => {
  const gw = await gateway(t)
  const scope = nock('https://api.example.com')
    .get('/v1/orders/42')
    .matchHeader('authorization', 'Bearer test-key')
    .reply(200, { id: 42, amount_cents: 1999, customer: { email: 'ada@example.com' } })

  const res = await gw.execute({ permalink: 'get-order', method: 'GET', pathParams: { order_id: '42' } })

  t.equal(res.status, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.same(res.json(), { id: 42, total: 19.99, customer: 'ada@example.com' })
  t.match(res.headers['server-timing'], /external;dur=[\d.]+;desc="api.example.com"/)
  t.ok(scope.isDone(), 'the API was called once, as mocked')
})

t.test('POST an order: OAuth client credentials (token endpoint mocked too) and a request template', async t => {
  const gw = await gateway(t)
  const auth = nock('https://auth.example.com')
    .post('/oauth/token', {
      grant_type: 'client_credentials',
      client_id: 'conduit-tests',
      client_secret: 'test-client-secret',
      scope: 'orders:write'
    })
    .reply(200, { access_token: 'token-1', token_type: 'Bearer', expires_in: 3600 })
  const api = nock('https://api.example.com')
    .post('/v1/orders', { sku: 'ABC-1', quantity: 2, customer: { email: 'ada@example.com' } })
    .matchHeader('authorization', 'Bearer token-1')
    .reply(201, { id: 'ord_1', state: 'pending' })

  const res = await gw.execute({
    permalink: 'create-order',
    method: 'POST',
    payload: { sku: 'ABC-1', qty: 2 },
    user: { email: 'ada@example.com' }
  })

  t.equal(res.status, 201)
  t.same(res.json(), { order_id: 'ord_1', status: 'pending' })
  t.ok(auth.isDone(), 'one token request')
  t.ok(api.isDone())
})

t.test('an upstream 500 passes through', async t => {
  const gw = await gateway(t)
  const scope = nock('https://api.example.com').get('/v1/orders/7').reply(500, 'database on fire')

  const res = await gw.execute({ permalink: 'get-order', method: 'GET', pathParams: { order_id: '7' } })

  t.equal(res.status, 500)
  t.equal(res.body, 'database on fire')
  t.ok(scope.isDone())
})

t.test('a network error is 502 UPSTREAM_UNREACHABLE', async t => {
  const gw = await gateway(t)
  const scope = nock('https://api.example.com').get('/v1/orders/42').replyWithError('socket hang up')

  const res = await gw.execute({ permalink: 'get-order', method: 'GET', pathParams: { order_id: '42' } })

  t.equal(res.status, 502)
  t.match(res.json(), { success: false, errors: { code: 'UPSTREAM_UNREACHABLE', scope: 'Downstream (network/external service)' } })
  t.ok(scope.isDone())
})

t.test('a missing path parameter is 400 before any request', async t => {
  const gw = await gateway(t)
  const scope = nock('https://api.example.com').get(/.*/).reply(200, {})

  const res = await gw.execute({ permalink: 'get-order', method: 'GET' })

  t.equal(res.status, 400)
  t.match(res.json(), { errors: { code: 'MISSING_PATH_PARAMETERS', params: ['order_id'] } })
  t.notOk(scope.isDone(), 'nothing was sent upstream')
})
