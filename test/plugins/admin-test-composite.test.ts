// The admin test endpoint and GET /admin/connectors/{permalink} for composite connectors, and the
// `unresolved` list of X-Debug-Request (SPEC §9, §12, §22): names only, never a value.
import t from 'tap'
import { tmpdir } from 'node:os'
import { MockAgent } from 'undici'
import { buildApp } from '../../plugins/app.js'
import { loadSettings } from '../../src/settings/load.js'
import { validateRegistryText } from '../../src/registry/load.js'
import type { Registry } from '../../src/registry/types.js'
import type { RegistryHolder } from '../../src/registry/watch.js'
import { MemoryStore } from './fixtures/memory-store.js'

const ADMIN = 'admin-token-for-composite-tests-0123456789'
const auth = { authorization: `Bearer ${ADMIN}` }
const ORIGIN = 'https://api.example.com'

const REGISTRY = {
  connectors: [{
    name: 'Typo',
    url: `${ORIGIN}/typo`,
    headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }, { key: 'X-Region', value: "{{ get_variable('regoin') }}" }]
  }],
  composite_connectors: [{
    name: 'Order With Customer',
    steps: [
      { name: 'order', url: `${ORIGIN}/orders/{{ request.query_parameters.id }}`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_key') }}" }] },
      {
        name: 'customer',
        url: `${ORIGIN}/customers/{{ (steps.order.body | from_json if steps.order.body is string else steps.order.body).customer_id }}`,
        headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_key') }}" }],
        response_body: "{{ {'customer': (response.body | from_json if response.body is string else response.body).name} | tojson }}",
        response_content_type: 'application/json'
      }
    ]
  }]
}

async function app (t: { teardown: (fn: () => unknown) => void }): Promise<{ app: Awaited<ReturnType<typeof buildApp>>, agent: MockAgent, store: MemoryStore }> {
  const checked = validateRegistryText(JSON.stringify(REGISTRY), { allowInsecure: false, allowPrivateNetworks: false }, 'registry.json')
  if (checked.errors.length > 0) throw new Error(JSON.stringify(checked.errors))
  const registry: Registry = {
    connectors: new Map(checked.connectors.map(c => [c.permalink, c])),
    composites: new Map(checked.composites.map(c => [c.permalink, c])),
    warnings: [],
    sources: ['registry.json'],
    loadedAt: 0
  }
  const holder = { current: registry, load: async () => registry, reload: async () => ({ ok: true, registry }), watch: () => ({ close () {} }), close () {} } as unknown as RegistryHolder
  const store = new MemoryStore()
  const agent = new MockAgent()
  agent.disableNetConnect()
  const built = await buildApp({ settings: loadSettings({ env: {}, cwd: tmpdir() }), store, registry: holder, dispatcher: agent, adminToken: ADMIN })
  t.teardown(() => built.close())
  return { app: built, agent, store }
}

t.test('GET /admin/connectors/{permalink} shows connectors and composites with their source', async t => {
  const { app: a } = await app(t)
  const one = await a.inject({ method: 'GET', url: '/admin/connectors/typo', headers: auth })
  t.match(one.json(), { permalink: 'typo', name: 'Typo', method: 'GET', source: 'registry.json', definition: { name: 'Typo' } })
  const composite = await a.inject({ method: 'GET', url: '/admin/connectors/order-with-customer', headers: auth })
  t.equal(composite.statusCode, 200)
  t.match(composite.json(), { permalink: 'order-with-customer', composite: true, source: 'registry.json', definition: { steps: [{ name: 'order' }, { name: 'customer' }] } })
})

t.test('the test endpoint runs a saved composite and an unsaved one, with a debug view per step', async t => {
  const { app: a, agent, store } = await app(t)
  store.data.secret.set('api_key', 'SECRET-COMPOSITE-VALUE')
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: '/orders/7' }).reply(200, '{"customer_id":"c9"}', { headers: { 'content-type': 'application/json' } }).times(2)
  pool.intercept({ path: '/customers/c9' }).reply(200, '{"name":"Ada"}', { headers: { 'content-type': 'application/json' } }).times(2)

  const saved = await a.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'order-with-customer', queryParams: { id: '7' } } })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), { customer: 'Ada' })
  t.match(saved.headers['server-timing'], /step\.order;dur=.*step\.customer;dur=/)
  const debug = JSON.parse(saved.headers['x-debug-request'] as string)
  t.match(debug, { composite: 'order-with-customer', steps: [{ name: 'order', url: `${ORIGIN}/orders/7`, headers: { Authorization: "Bearer {{ get_secret('api_key') }}" } }, { name: 'customer' }], unresolved: [] })
  t.notOk(JSON.stringify(saved.headers).includes('SECRET-COMPOSITE-VALUE'))

  const unsaved = await a.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: REGISTRY.composite_connectors[0], queryParams: { id: '7' } } })
  t.equal(unsaved.statusCode, 200)
  t.same(unsaved.json(), { customer: 'Ada' })

  const withPath = await a.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'order-with-customer', pathParams: { id: '7' } } })
  t.equal(withPath.statusCode, 400)
  t.match(withPath.json().errors.detail, /no path parameters/)
})

t.test('X-Debug-Request lists names the store lacks as unresolved, without any value', async t => {
  const { app: a, agent, store } = await app(t)
  store.data.secret.set('api_key', 'RIGHT-NAME-VALUE')
  store.data.variable.set('region', 'eu-west-1')
  const seen: Array<Record<string, string>> = []
  agent.get(ORIGIN).intercept({ path: '/typo' }).reply(o => { seen.push(o.headers as Record<string, string>); return { statusCode: 200, data: 'ok' } })
  const r = await a.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'typo' } })
  t.equal(r.statusCode, 200)
  const debug = JSON.parse(r.headers['x-debug-request'] as string)
  t.same(debug.unresolved, ['secret:api_kye', 'variable:regoin'])
  t.equal(seen[0].Authorization, "Bearer {{ get_secret('api_kye') }}", 'sent as written (secrets.onMissing literal)')
  for (const value of ['RIGHT-NAME-VALUE', 'eu-west-1']) t.notOk(String(r.headers['x-debug-request']).includes(value))
})
