// TLS to Vault: verification is on by default (a self-signed Vault is refused), and the caCert
// setting (PEM text or a file path) makes the same Vault trusted. A real HTTPS server on loopback.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { VaultSecretStore } from '../../src/secrets/vault-store.js'
import type { VaultSettings } from '../../src/secrets/vault-store.js'

const dir = mkdtempSync(join(tmpdir(), 'conduit-vault-tls-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const keyPath = join(dir, 'vault.key')
const certPath = join(dir, 'vault.crt')
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })

const seen: Array<{ method?: string, url?: string, namespace?: string | string[] }> = []
const server = createServer({ key: readFileSync(keyPath), cert: readFileSync(certPath) }, (req, res) => {
  seen.push({ method: req.method, url: req.url, namespace: req.headers['x-vault-namespace'] })
  res.setHeader('content-type', 'application/json')
  if (req.url === '/v1/auth/token/lookup-self') {
    res.end(JSON.stringify({ data: { ttl: 0, renewable: false } }))
  } else if (req.url === '/v1/secret/data/conduit/secrets/api_key') {
    res.end(JSON.stringify({ data: { data: { value: 'over-tls' }, metadata: { version: 1 } } }))
  } else {
    res.statusCode = 404
    res.end(JSON.stringify({ errors: [] }))
  }
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
t.teardown(() => { server.close() })
const address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`

function settings (over: Partial<VaultSettings> = {}): VaultSettings {
  return { address, mount: 'secret', prefix: 'conduit', timeoutMs: 2000, auth: { method: 'token', token: 'hvs.tls' }, ...over }
}

t.test('a Vault with a certificate nobody vouched for is refused', async t => {
  const store = new VaultSecretStore(settings())
  const err = await store.get('secret', 'api_key').then(() => undefined, (e: unknown) => e as Error)
  t.match(err, { code: 'SECRET_STORE_UNAVAILABLE' })
  t.equal(err?.message, 'Vault TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT; set secrets.vault.caCert) while looking up the Vault token')
})

t.test('caCert as a file path makes it trusted; the namespace header is sent', async t => {
  const store = new VaultSecretStore(settings({ caCert: certPath, namespace: 'ns1' }))
  t.equal(await store.get('secret', 'api_key'), 'over-tls')
  t.ok(seen.some(s => s.url === '/v1/secret/data/conduit/secrets/api_key' && s.namespace === 'ns1'))
})

t.test('caCert as PEM text works the same', async t => {
  const store = new VaultSecretStore(settings({ caCert: readFileSync(certPath, 'utf8') }))
  t.equal(await store.get('secret', 'api_key'), 'over-tls')
})

t.test('a caCert file that cannot be read stops start-up with its setting named', async t => {
  t.throws(() => new VaultSecretStore(settings({ caCert: join(dir, 'missing.pem') })), { message: `Cannot read the Vault CA certificate file ${join(dir, 'missing.pem')} (setting secrets.vault.caCert)` })
})
