import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LookupAddress } from 'node:dns'
import { ConduitError } from '../../src/errors.js'
import { DestinationPolicy, parseAllowedHost } from '../../src/upstream/destination-policy.js'
import { createUpstreamDispatcher, type LookupFunction } from '../../src/upstream/dispatcher.js'
import { sendUpstream } from '../../src/upstream/send.js'
import { validateRegistryText } from '../../src/registry/load.js'
import { formatProblem, type RegistryOptions } from '../../src/registry/types.js'
import { execute } from '../../src/pipeline/execute.js'
import { makeCall, makeDeps } from '../pipeline/fixtures/deps.js'

const ALLOWING: RegistryOptions = { allowInsecure: true, allowPrivateNetworks: false, allowPrivateHosts: ['db.internal', '127.0.0.1', '10.20.0.0/16', 'fd00:1::/32'] }

t.test('allowPrivateHosts entries: host names, addresses and CIDR ranges; anything else is named', async t => {
  t.same(parseAllowedHost('DB.Internal.'), { ok: true, name: 'db.internal' })
  t.match(parseAllowedHost('10.20.0.0/16'), { ok: true, range: [32, 0x0a140000n, 16] })
  t.match(parseAllowedHost('127.0.0.1'), { ok: true, range: [32, 0x7f000001n, 32] })
  t.match(parseAllowedHost('fd00::/8'), { ok: true, range: [128] })
  t.match(parseAllowedHost('10.0.0.0/33'), { ok: false, message: "'10.0.0.0/33' has an invalid prefix length: use 0-32" })
  t.match(parseAllowedHost('db.internal/8'), { ok: false, message: /is not a CIDR range/ })
  t.match(parseAllowedHost('http://db.internal'), { ok: false, message: /is neither a host name nor an IP address or CIDR range/ })
  t.throws(() => new DestinationPolicy({ allowInsecure: false, allowPrivateNetworks: false, allowPrivateHosts: ['a b'] }), /upstream\.allowPrivateHosts: 'a b'/)
})

t.test('the policy answers the same question at load, after rendering and at connect time', async t => {
  const policy = new DestinationPolicy(ALLOWING)
  t.equal(policy.literalHost('db.internal'), 'ok', 'a listed name')
  t.equal(policy.literalHost('10.20.3.4'), 'ok', 'an address in a listed range')
  t.equal(policy.literalHost('[fd00:1::5]'), 'ok', 'an IPv6 address in a listed range')
  t.equal(policy.literalHost('10.21.0.1'), 'private', 'outside the range')
  t.equal(policy.literalHost('localhost'), 'private', 'an unlisted local name')
  t.equal(policy.literalHost('169.254.169.254'), 'private', 'cloud metadata stays blocked')
  t.equal(policy.allowsAddress('10.20.9.9'), true)
  t.equal(policy.allowsAddress('::ffff:10.20.9.9'), true, 'an IPv4-mapped peer address')
  t.equal(policy.allowsAddress('192.168.1.1', 'db.internal'), true, 'any address of a listed name')
  t.equal(policy.allowsAddress('192.168.1.1', 'other.internal'), false)
  t.equal(policy.allowsAddress('93.184.216.34'), true, 'public addresses are never the question')
  t.match(policy.checkRendered('http://10.20.0.7/x'), { ok: true })
  t.match(policy.checkRendered('http://10.30.0.7/x'), { ok: false, code: 'DESTINATION_NOT_ALLOWED' })
})

function registryErrors (url: string, options: RegistryOptions): string[] {
  return validateRegistryText(JSON.stringify({ name: 'Internal', url }), options, 'registry.json').errors.map(formatProblem)
}

t.test('at load: a connector or token endpoint on an allowed private host loads, others are still refused', async t => {
  t.same(registryErrors('http://db.internal:8080/v1', ALLOWING), [])
  t.same(registryErrors('http://10.20.1.2/v1', ALLOWING), [])
  t.same(registryErrors('http://127.0.0.1:9000/v1', ALLOWING), [])
  t.match(registryErrors('http://10.99.1.2/v1', ALLOWING), [/the host '10\.99\.1\.2' is a local or private address/])
  t.match(registryErrors('http://localhost/v1', ALLOWING), [/the host 'localhost' is a local or private address/])
  t.match(registryErrors('http://db.internal/v1', { allowInsecure: true, allowPrivateNetworks: false }), [],
    'a plain host name is judged at connect time')
  const token = (tokenUrl: string): string[] => validateRegistryText(JSON.stringify({
    name: 'T',
    url: 'https://api.example.com',
    authentication: { type: 'oauth_client_credentials', config: { client_id: 'c', client_secret: "{{ get_secret('s') }}", token_url: tokenUrl } }
  }), ALLOWING, 'registry.json').errors.map(formatProblem)
  t.same(token('http://10.20.0.5/token'), [])
  t.match(token('http://192.168.0.5/token'), [/token_url host '192\.168\.0\.5' is a local or private address/])
})

function fixedLookup (address: string): LookupFunction {
  return (_hostname, options, callback) => {
    const list: LookupAddress[] = [{ address, family: 4 }]
    if ((options as { all?: boolean }).all === true) callback(null, list)
    else callback(null, address, 4)
  }
}

t.test('at connect time: an allowed private host is reached, every other private destination is DESTINATION_NOT_ALLOWED', async t => {
  const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  const port = (server.address() as AddressInfo).port
  const base = { timeoutMs: 2000, connectTimeoutMs: 1000, maxResponseBytes: 1 << 20, allowInsecure: true, allowPrivateNetworks: false }
  const send = async (d: ReturnType<typeof createUpstreamDispatcher>, url: string): Promise<unknown> =>
    await sendUpstream(d, { url, method: 'GET', headers: {} }, { timeoutMs: 2000, maxResponseBytes: 1024 }).then(r => r.status, (e: unknown) => e)

  const byName = createUpstreamDispatcher({ ...base, allowPrivateHosts: ['db.internal'], lookup: fixedLookup('127.0.0.1') })
  t.teardown(() => byName.close())
  t.equal(await send(byName, `http://db.internal:${port}/`), 200, 'the listed name resolving to loopback is reached')
  t.match(await send(byName, `http://other.internal:${port}/`), { code: 'DESTINATION_NOT_ALLOWED' }, 'another name resolving to loopback is not')
  t.match(await send(byName, `http://127.0.0.1:${port}/`), { code: 'DESTINATION_NOT_ALLOWED' }, 'nor the address itself')

  const byRange = createUpstreamDispatcher({ ...base, allowPrivateHosts: ['127.0.0.0/8'] })
  t.teardown(() => byRange.close())
  t.equal(await send(byRange, `http://127.0.0.1:${port}/`), 200, 'an address in a listed range')
  const strict = createUpstreamDispatcher({ ...base, allowPrivateHosts: ['10.0.0.0/8'] })
  t.teardown(() => strict.close())
  const err = await send(strict, `http://127.0.0.1:${port}/`)
  t.type(err, ConduitError)
  t.match(err, { code: 'DESTINATION_NOT_ALLOWED', status: 502 })

  // The whole path: a connector loaded with the setting, executed through the guarded dispatcher.
  const { deps } = makeDeps({ upstream: { allowInsecure: true, allowPrivateHosts: ['db.internal'] } })
  const loaded = validateRegistryText(JSON.stringify({ connectors: [{ name: 'Db', url: `http://db.internal:${port}/rows` }, { name: 'Other', url: `http://other.internal:${port}/rows` }] }),
    { allowInsecure: true, allowPrivateNetworks: false, allowPrivateHosts: ['db.internal'] }, 'test')
  t.same(loaded.errors, [])
  const result = await execute(loaded.connectors[0], makeCall(), { ...deps, dispatcher: byName })
  t.equal(result.status, 200)
  const refused = await execute(loaded.connectors[1], makeCall(), { ...deps, dispatcher: byName }).then(() => undefined, (e: unknown) => e)
  t.match(refused, { code: 'DESTINATION_NOT_ALLOWED' })
})
