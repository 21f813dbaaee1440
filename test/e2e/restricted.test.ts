// End to end on a server WITHOUT upstream.allowPrivateNetworks and with secrets.onMissing 'fail':
// the SSRF ranges of SPEC §7 (literal hosts refused at load, variable hosts after rendering,
// host names resolving to loopback at connect time) and SECRET_NOT_FOUND. A third server whose
// Vault cannot be reached shows SECRET_STORE_UNAVAILABLE.
import t from 'tap'
import type { Test } from 'tap'
import { lookup } from 'node:dns/promises'
import { hostname } from 'node:os'
import { startConduit, startUpstream } from './fixtures/harness.js'
import type { Conduit, Reply, Upstream } from './fixtures/harness.js'

const BLOCKED = [
  '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.169.254', '100.64.0.1',
  '0.0.0.0', '224.0.0.1', '240.0.0.1', '255.255.255.255',
  '[::1]', '[fc00::1]', '[fd12:3456::1]', '[fe80::1]', '[::ffff:127.0.0.1]', '[::ffff:10.0.0.1]', '[::ffff:169.254.169.254]'
]

let upstream: Upstream
let conduit: Conduit
let loopbackName: string

function envelope (t: Test, r: Reply, status: number, code: string): any {
  t.equal(r.status, status, `${code}: status`)
  const body = r.json()
  t.equal(body.errors.code, code)
  t.equal(body.request_id, r.headers['x-request-id'])
  t.ok(r.headers['server-timing'], 'timing headers on the error')
  return body
}

t.before(async () => {
  upstream = await startUpstream((_req, res) => { res.end('reached') })
  loopbackName = hostname()
  const port = upstream.origin.split(':')[2]
  conduit = await startConduit({
    allowPrivateNetworks: false,
    env: { CONDUIT_SECRETS_ON_MISSING: 'fail' },
    registry: {
      connectors: [
        { name: 'Var host', url: "http://{{ get_variable('target') }}/x" },
        { name: 'Resolved loopback', url: `http://${loopbackName}:${port}/x` },
        { name: 'Missing secret', url: 'https://api.example.com/x', headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }] },
        { name: 'Missing variable', url: "https://{{ get_variable('region_host') }}/x" }
      ]
    }
  })
})

t.teardown(async () => {
  await conduit?.stop()
  await upstream?.close()
})

t.test('SECRET_NOT_FOUND with onMissing fail, before anything is sent', async t => {
  const r = await conduit.call('GET', '/connectors/missing-secret/execute')
  const body = envelope(t, r, 422, 'SECRET_NOT_FOUND')
  t.equal(body.errors.scope, 'Configuration (secrets)')
  t.match(body.errors.detail, /api_kye/)
  const v = await conduit.call('GET', '/connectors/missing-variable/execute')
  envelope(t, v, 422, 'SECRET_NOT_FOUND')
})

t.test('a literal host in a blocked range is refused when the definition loads', async t => {
  for (const host of [...BLOCKED, 'localhost', 'api.localhost']) {
    const definition = { name: 'Literal', url: `http://${host}/x` }
    const v = await conduit.admin('POST', '/admin/connectors/validate', JSON.stringify(definition))
    t.equal(v.json().valid, false, `validate refuses ${host}`)
    const r = await conduit.admin('POST', '/admin/connectors/test', { connector: definition })
    envelope(t, r, 422, 'INVALID_CONNECTOR')
  }
  t.equal(upstream.requests.length, 0)
})

t.test('a variable host rendering into a blocked range is DESTINATION_NOT_ALLOWED', async t => {
  const created = await conduit.admin('POST', '/admin/variables', { name: 'target', value: 'placeholder.example' })
  t.equal(created.status, 201)
  for (const host of BLOCKED) {
    const put = await conduit.admin('PUT', '/admin/variables/target', { value: host })
    t.equal(put.status, 200)
    const r = await conduit.call('GET', '/connectors/var-host/execute')
    const body = envelope(t, r, 502, 'DESTINATION_NOT_ALLOWED')
    t.equal(body.errors.scope, 'Downstream (network/external service)', host)
  }
  t.equal(upstream.requests.length, 0)
})

t.test('a host name that resolves to loopback is refused at connect time', async t => {
  const resolved = await lookup(loopbackName)
  t.match(resolved.address, /^127\./, `${loopbackName} resolves to loopback on this machine`)
  const r = await conduit.call('GET', '/connectors/resolved-loopback/execute')
  envelope(t, r, 502, 'DESTINATION_NOT_ALLOWED')
  t.equal(upstream.requests.length, 0, 'no byte reached the upstream')
})

t.test('SECRET_STORE_UNAVAILABLE when the store cannot answer', async t => {
  const down = await startConduit({
    env: {
      CONDUIT_SECRETS_BACKEND: 'vault',
      CONDUIT_SECRETS_VAULT_ADDRESS: 'http://127.0.0.1:1',
      CONDUIT_SECRETS_VAULT_AUTH_METHOD: 'token',
      CONDUIT_SECRETS_VAULT_AUTH_TOKEN: 'test-vault-token',
      CONDUIT_SECRETS_VAULT_TIMEOUT_MS: '500'
    },
    registry: { connectors: [{ name: 'Needs secret', url: `${upstream.origin}/x`, headers: [{ key: 'K', value: "{{ get_secret('k') }}" }] }] }
  })
  t.teardown(async () => { await down.stop() })
  const r = await down.call('GET', '/connectors/needs-secret/execute')
  const body = envelope(t, r, 503, 'SECRET_STORE_UNAVAILABLE')
  t.equal(body.errors.scope, 'Secrets (store unavailable)')
  const ready = await down.call('GET', '/readyz')
  t.equal(ready.status, 503)
  t.equal((await down.call('GET', '/healthz')).status, 200)
  t.notOk(down.output().includes('test-vault-token'), 'the Vault token is not logged')
})
