import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createSecretResolver, createSecretStore, FileSecretStore, VaultSecretStore } from '../../src/secrets/index.js'
import type { Settings } from '../../src/settings/types.js'

function secretsSettings (dir: string, backend: 'file' | 'vault'): Settings['secrets'] {
  return {
    backend,
    onMissing: 'literal',
    cache: { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 100 },
    file: { path: join(dir, 'secrets.json'), keyFile: join(dir, 'master.key') },
    vault: { address: 'http://127.0.0.1:1', mount: 'secret', prefix: 'conduit', timeoutMs: 500, auth: { method: 'token', token: 't' } }
  }
}

t.test('createSecretStore picks the configured backend', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-idx-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = createSecretStore(secretsSettings(dir, 'file'))
  t.ok(file instanceof FileSecretStore)
  t.equal(file.backend, 'file')
  const vault = createSecretStore(secretsSettings(dir, 'vault'))
  t.ok(vault instanceof VaultSecretStore)
  t.equal(vault.backend, 'vault')
  await vault.close()
})

t.test('createSecretResolver builds the cache from the cache settings, with an injectable clock', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-idx-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const settings = secretsSettings(dir, 'file')
  const store = createSecretStore(settings)
  await store.create('secret', 'api_key', 'v1')
  let now = 0
  const resolver = createSecretResolver(store, settings.cache, () => now)
  t.same((await resolver.resolve(['api_key'], [])).secrets, { api_key: 'v1' })
  await store.update('secret', 'api_key', 'v2')
  t.same((await resolver.resolve(['api_key'], [])).secrets, { api_key: 'v1' }, 'cached for the TTL')
  now += 60_000
  t.same((await resolver.resolve(['api_key'], [])).secrets, { api_key: 'v2' })
})
