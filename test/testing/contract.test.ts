// Contract recording and comparison in process (the CLI workflow is in test/bin/contract-cli.test.ts).
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync } from 'node:crypto'
import { validateRegistryText } from '../../src/registry/load.js'
import type { Registry } from '../../src/registry/types.js'
import { settingsFromObject } from '../../src/settings/load.js'
import { MemorySecretStore } from '../../src/testing/memory-store.js'
import { ContractError, compareAnswers, recordContract } from '../../src/testing/contract.js'

function registryOf (value: unknown): Registry {
  const r = validateRegistryText(JSON.stringify(value), { allowInsecure: true, allowPrivateNetworks: true }, 'registry.json')
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
  return { connectors: new Map(r.connectors.map(c => [c.permalink, c])), composites: new Map(r.composites.map(c => [c.permalink, c])), warnings: [], sources: [], loadedAt: 0 }
}

const settings = settingsFromObject({ upstream: { allowInsecure: true, allowPrivateNetworks: true } }, process.cwd())

t.test('an echoed secret is replaced in the recorded answer; a JWT-signing connector is refused', async t => {
  const server = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-key']) }); res.end(JSON.stringify({ you_sent: req.headers['x-key'] })) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => server.close(resolve)))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const registry = registryOf({
    connectors: [
      { name: 'Echo', url: `${origin}/echo`, headers: [{ key: 'X-Key', value: "{{ get_secret('key') }}" }], response_content_type: 'application/json' },
      { name: 'Signed', url: `${origin}/signed`, authentication: { type: 'jwt', config: { private_key: "{{ get_secret('pem') }}", claims: { sub: 'svc' } } } }
    ]
  })
  const store = new MemorySecretStore({ key: 'echo-me-secret-1234', pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })

  const { contract, real } = await recordContract({ registry, settings, store, input: { permalink: 'echo' } })
  t.equal(real.status, 200)
  const text = JSON.stringify(contract)
  t.notOk(text.includes('echo-me-secret-1234'))
  t.match(contract.upstream[0], { reqheaders: { 'x-key': '<secret:key>' }, response: { you_sent: '<secret:key>' }, rawHeaders: ['content-type', 'application/json', 'x-echo', '<secret:key>'] })
  t.same(contract.response.body, { you_sent: '<secret:key>' })

  await t.rejects(recordContract({ registry, settings, store, input: { permalink: 'signed' } }), new ContractError('the connector signs a JWT with a secret key, which a replay (with placeholder secrets) cannot do'))
  await t.rejects(recordContract({ registry, settings, store, input: { permalink: 'nope' } }), /no connector with permalink 'nope'/)
})

t.test('compareAnswers: every difference, readable', async t => {
  t.equal(compareAnswers({ status: 200, headers: { a: '1' }, body: { x: 1 } }, { status: 200, headers: { a: '1' }, body: { x: 1 } }), '')
  const diff = compareAnswers(
    { status: 200, headers: { 'content-type': 'application/json', etag: '"1"' }, body: { name: 'Ada', stars: 3 } },
    { status: 201, headers: { 'content-type': 'text/plain' }, body: { name: 'Ada', stars: 4 } }
  )
  t.match(diff, /^status: expected 200, got 201\n/)
  t.match(diff, /header content-type: expected "application\/json", got "text\/plain"/)
  t.match(diff, /header etag: expected "\\"1\\"", got \(none\)/)
  t.match(diff, /body \(- recorded, \+ replayed\):\n.*@@[\s\S]*- {2}"stars": 3,?\n[\s\S]*\+ {2}"stars": 4/)
  t.match(compareAnswers({ status: 200, headers: {}, body: 'plain text' }, { status: 200, headers: {}, body: 'plain text!' }), /-plain text\n.*\+plain text!/)
})
