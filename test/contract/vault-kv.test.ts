// Vault KV v2 as Conduit uses it, through nock, with the bodies of Vault's API documentation.
import { createRequire } from 'node:module'
import nock from 'nock'
import t from 'tap'
import { VaultSecretStore } from '../../src/secrets/vault-store.js'
import type { VaultSettings } from '../../src/secrets/vault-store.js'

const VAULT = 'http://vault.test:8200'
const TOKEN = 'hvs.CAESIBd0ZTVNb2dVUGRnZmxBNWJtRTlrYVc2bFpCdA'

function settings (over: Partial<VaultSettings> = {}): VaultSettings {
  return { address: VAULT, mount: 'secret', prefix: 'conduit', timeoutMs: 150, auth: { method: 'token', token: TOKEN }, ...over }
}

// GET /auth/token/lookup-self for a root-like token that never expires.
const LOOKUP_NO_TTL = {
  request_id: '3c1a2b3d-1111-2222-3333-444455556666',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: { accessor: '8609694a-cdbc-db9b-d345-e782dbb562ed', creation_time: 1523979354, creation_ttl: 0, display_name: 'token', entity_id: '', expire_time: null, explicit_max_ttl: 0, id: TOKEN, issue_time: '2018-04-17T11:35:54.466476078-04:00', meta: null, num_uses: 0, orphan: true, path: 'auth/token/create', policies: ['conduit'], renewable: false, ttl: 0 },
  wrap_info: null,
  warnings: null,
  auth: null
}

// GET /secret/data/:path (KV v2 read secret version).
function kvRead (value: string, version = 1): object {
  return {
    request_id: '0f6cbbb0-5b7d-d2c1-7a3e-8f1d2b3c4d5e',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: {
      data: { value },
      metadata: { created_time: '2018-03-22T02:24:06.945319214Z', custom_metadata: null, deletion_time: '', destroyed: false, version }
    },
    wrap_info: null,
    warnings: null,
    auth: null
  }
}

// The 404 Vault answers when the latest version was (soft) deleted: data.data is null.
const KV_DELETED = {
  request_id: '5e2f1c9a-9b8d-4e6f-a1b2-c3d4e5f60718',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: { data: null, metadata: { created_time: '2018-03-22T02:24:06.945319214Z', custom_metadata: null, deletion_time: '2018-03-22T02:30:00.000000000Z', destroyed: false, version: 2 } },
  wrap_info: null,
  warnings: null,
  auth: null
}

// POST /secret/data/:path (KV v2 create/update secret).
const KV_WRITTEN = {
  request_id: '9a8b7c6d-1234-5678-9abc-def012345678',
  lease_id: '',
  renewable: false,
  lease_duration: 0,
  data: { created_time: '2018-03-22T02:36:43.986212308Z', custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
  wrap_info: null,
  warnings: null,
  auth: null
}

function kvList (keys: string[]): object {
  return { request_id: 'aa11bb22-cc33-dd44-ee55-ff6677889900', lease_id: '', renewable: false, lease_duration: 0, data: { keys }, wrap_info: null, warnings: null, auth: null }
}

function vault (): nock.Scope {
  return nock(VAULT, { reqheaders: { 'x-vault-token': TOKEN } })
}

function withLogin (): nock.Scope {
  return vault().get('/v1/auth/token/lookup-self').reply(200, LOOKUP_NO_TTL)
}

t.before(() => { nock.disableNetConnect() })
t.afterEach(() => { nock.cleanAll() })
t.teardown(() => { nock.enableNetConnect() })

t.test('read: a secret and a variable come from their own folders', async t => {
  const scope = withLogin()
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_live_abc'))
    .get('/v1/secret/data/conduit/variables/region').reply(200, kvRead('eu-west-1'))
  const store = new VaultSecretStore(settings())
  t.equal(await store.get('secret', 'api_key'), 'sk_live_abc')
  t.equal(await store.get('variable', 'region'), 'eu-west-1')
  t.ok(scope.isDone())
})

t.test('read: 404 for a path never written and for a deleted latest version means missing', async t => {
  const scope = withLogin()
    .get('/v1/secret/data/conduit/secrets/never').reply(404, { errors: [] })
    .get('/v1/secret/data/conduit/secrets/deleted').reply(404, KV_DELETED)
    .get('/v1/secret/data/conduit/secrets/deleted200').reply(200, KV_DELETED)
  const store = new VaultSecretStore(settings())
  t.equal(await store.get('secret', 'never'), undefined)
  t.equal(await store.get('secret', 'deleted'), undefined)
  t.equal(await store.get('secret', 'deleted200'), undefined)
  t.ok(scope.isDone())
})

t.test('read: an entry without a string `value` field is missing, and a warning names it', async t => {
  withLogin().get('/v1/secret/data/conduit/secrets/odd').reply(200, { data: { data: { api_key: 'x' }, metadata: {} } })
  const warnings: string[] = []
  const store = new VaultSecretStore(settings(), { warn: m => warnings.push(m) })
  t.equal(await store.get('secret', 'odd'), undefined)
  t.same(warnings, ["Vault entry for secret 'odd' has no string field 'value'"])
})

t.test('a name that breaks the naming rule never reaches Vault', async t => {
  const store = new VaultSecretStore(settings())
  t.equal(await store.get('secret', '../../sys/seal'), undefined)
  t.equal(await store.get('secret', 'api-key'), undefined)
})

t.test('mount, prefix and namespace settings shape every request', async t => {
  const scope = nock(VAULT, { reqheaders: { 'x-vault-token': TOKEN, 'x-vault-namespace': 'team-a/prod' } })
    .get('/v1/auth/token/lookup-self').reply(200, LOOKUP_NO_TTL)
    .get('/v1/kv-prod/data/apps/conduit/secrets/api_key').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ mount: '/kv-prod/', prefix: 'apps/conduit', namespace: 'team-a/prod' }))
  t.equal(await store.get('secret', 'api_key'), 'v')
  t.ok(scope.isDone())
})

t.test('an empty prefix puts the folders right under the mount', async t => {
  const scope = withLogin().get('/v1/secret/data/variables/region').reply(200, kvRead('eu'))
  const store = new VaultSecretStore(settings({ prefix: '' }))
  t.equal(await store.get('variable', 'region'), 'eu')
  t.ok(scope.isDone())
})

t.test('create: checks both kinds, then writes { value } with cas 0', async t => {
  const scope = withLogin()
    .get('/v1/secret/data/conduit/secrets/webhook_secret_key').reply(404, { errors: [] })
    .get('/v1/secret/data/conduit/variables/webhook_secret_key').reply(404, { errors: [] })
    .post('/v1/secret/data/conduit/secrets/webhook_secret_key', { options: { cas: 0 }, data: { value: 'whsec_1' } }).reply(200, KV_WRITTEN)
  const store = new VaultSecretStore(settings())
  await store.create('secret', 'webhook_secret_key', 'whsec_1')
  t.ok(scope.isDone())
})

t.test('create: a name taken by either kind is a duplicate, before any write', async t => {
  withLogin()
    .get('/v1/secret/data/conduit/variables/api_key').reply(404, { errors: [] })
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('x'))
  const store = new VaultSecretStore(settings())
  await t.rejects(store.create('variable', 'api_key', 'y'), { code: 'DUPLICATE_NAME', status: 409, message: 'Duplicate variable name' })
})

t.test('create: losing a race to another writer (cas mismatch) is a duplicate', async t => {
  withLogin()
    .get('/v1/secret/data/conduit/secrets/api_key').reply(404, { errors: [] })
    .get('/v1/secret/data/conduit/variables/api_key').reply(404, { errors: [] })
    .post('/v1/secret/data/conduit/secrets/api_key').reply(400, { errors: ['check-and-set parameter did not match the current version'] })
  const store = new VaultSecretStore(settings())
  await t.rejects(store.create('secret', 'api_key', 'y'), { code: 'DUPLICATE_NAME', message: 'Duplicate secret name' })
})

t.test('create: naming and empty-value errors come before any Vault call', async t => {
  const store = new VaultSecretStore(settings())
  await t.rejects(store.create('secret', 'api key', 'v'), { code: 'INVALID_NAME', message: 'Invalid secret name' })
  await t.rejects(store.create('variable', 'x', ''), { code: 'EMPTY_VALUE', message: 'Empty variable value' })
  await t.rejects(store.update('secret', 'api@key', 'v'), { code: 'INVALID_NAME' })
  await t.rejects(store.delete('secret', '123key'), { code: 'INVALID_NAME' })
})

t.test('update: writes a new version of an existing name; unknown name is 404', async t => {
  const scope = withLogin()
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('old'))
    .post('/v1/secret/data/conduit/secrets/api_key', { data: { value: 'new' } }).reply(200, KV_WRITTEN)
    .get('/v1/secret/data/conduit/secrets/ghost').reply(404, { errors: [] })
  const store = new VaultSecretStore(settings())
  await store.update('secret', 'api_key', 'new')
  await t.rejects(store.update('secret', 'ghost', 'v'), { code: 'NOT_FOUND', status: 404, message: "Secret 'ghost' not found" })
  t.ok(scope.isDone())
})

t.test('delete: removes every version through the metadata endpoint; unknown name is 404', async t => {
  const scope = withLogin()
    .get('/v1/secret/data/conduit/variables/region').reply(200, kvRead('eu'))
    .delete('/v1/secret/metadata/conduit/variables/region').reply(204)
    .get('/v1/secret/data/conduit/variables/ghost').reply(404, KV_DELETED)
  const store = new VaultSecretStore(settings())
  await store.delete('variable', 'region')
  await t.rejects(store.delete('variable', 'ghost'), { code: 'NOT_FOUND', message: "Variable 'ghost' not found" })
  t.ok(scope.isDone())
})

t.test('list: metadata LIST (GET ?list=true), folders skipped, each value read, deleted ones left out', async t => {
  const scope = withLogin()
    .get('/v1/secret/metadata/conduit/secrets').query({ list: 'true' }).reply(200, kvList(['oauth_client_id', 'api_key', 'nested/', 'gone']))
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('a'))
    .get('/v1/secret/data/conduit/secrets/oauth_client_id').reply(200, kvRead('o'))
    .get('/v1/secret/data/conduit/secrets/gone').reply(404, KV_DELETED)
  const store = new VaultSecretStore(settings())
  t.same(await store.list('secret'), [{ name: 'api_key', value: 'a' }, { name: 'oauth_client_id', value: 'o' }])
  t.ok(scope.isDone())
})

t.test('list: an empty folder (404) is an empty list; ping uses the same call', async t => {
  const scope = withLogin()
    .get('/v1/secret/metadata/conduit/variables').query({ list: 'true' }).reply(404, { errors: [] })
    .get('/v1/secret/metadata/conduit/secrets').query({ list: 'true' }).reply(404, { errors: [] })
  const store = new VaultSecretStore(settings())
  t.same(await store.list('variable'), [])
  await store.ping()
  t.ok(scope.isDone())
})

const OUTAGES: Array<[string, (s: nock.Interceptor) => nock.Scope, RegExp]> = [
  ['403 permission denied (static token)', i => i.reply(403, { errors: ['permission denied'] }), /^Vault denied access \(HTTP 403\) while reading secret 'api_key'$/],
  ['503 sealed', i => i.reply(503, { errors: ['Vault is sealed'] }), /^Vault is sealed or unavailable \(HTTP 503\) while reading secret 'api_key'$/],
  ['connection refused', i => i.replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8200'), { code: 'ECONNREFUSED' })), /^Vault unreachable \(ECONNREFUSED\) while reading secret 'api_key'$/],
  ['a hung Vault', i => i.delay(2000).reply(200, kvRead('late')), /^Vault did not answer within 150 ms while reading secret 'api_key'$/],
  ['500 with an error text', i => i.reply(500, { errors: ['internal error'] }), /^Vault answered HTTP 500: internal error while reading secret 'api_key'$/]
]

for (const [what, answer, detail] of OUTAGES) {
  t.test(`read: ${what} → SECRET_STORE_UNAVAILABLE, nothing hangs, no token in the detail`, async t => {
    answer(withLogin().get('/v1/secret/data/conduit/secrets/api_key'))
    const store = new VaultSecretStore(settings())
    const err = await store.get('secret', 'api_key').then(() => undefined, (e: unknown) => e)
    t.match(err, { code: 'SECRET_STORE_UNAVAILABLE', status: 503, scope: 'Secrets (store unavailable)' })
    t.match((err as Error).message, detail)
    t.notMatch(JSON.stringify(err) + String((err as Error).message), TOKEN)
    t.equal((err as Error).cause, undefined, 'no raw client error (with its headers) rides along')
  })
}

t.test('a token whose policy lacks lookup-self is used without renewal; an invalid one fails its operation', async t => {
  const scope = vault().get('/v1/auth/token/lookup-self').reply(403, { errors: ['permission denied'] })
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('works'))
    .get('/v1/secret/data/conduit/secrets/other').reply(403, { errors: ['permission denied'] })
  const warnings: string[] = []
  const store = new VaultSecretStore(settings(), { warn: m => warnings.push(m) })
  t.equal(await store.get('secret', 'api_key'), 'works')
  t.same(warnings, ['Vault token lookup-self denied (HTTP 403): the token is used without renewal'])
  await t.rejects(store.get('secret', 'other'), { code: 'SECRET_STORE_UNAVAILABLE', message: "Vault denied access (HTTP 403) while reading secret 'other'" })
  t.ok(scope.isDone(), 'a static token is not looked up again and again')
})

t.test('lookup-self failing for another reason is reported', async t => {
  vault().get('/v1/auth/token/lookup-self').reply(503, { errors: ['Vault is sealed'] })
  const store = new VaultSecretStore(settings())
  await t.rejects(store.get('secret', 'api_key'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Vault is sealed or unavailable (HTTP 503) while looking up the Vault token' })
})

t.test('a Vault error that quotes the value being written never carries it out', async t => {
  withLogin()
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('old'))
    .post('/v1/secret/data/conduit/secrets/api_key').reply(400, { errors: [`invalid value "sk_live_leaky" for token ${TOKEN}`] })
  const store = new VaultSecretStore(settings())
  const err = await store.update('secret', 'api_key', 'sk_live_leaky').then(() => undefined, (e: unknown) => e as Error)
  t.match(err, { code: 'SECRET_STORE_UNAVAILABLE' })
  t.equal(err?.message, "Vault answered HTTP 400: invalid value \"[REDACTED]\" for token [REDACTED] while updating secret 'api_key'")
})

t.test('node-vault debug output stays off even when DEBUG enables it', async t => {
  const require = createRequire(import.meta.url)
  const debug = require('debug') as { enable: (ns: string) => void, disable: () => string }
  debug.enable('node-vault,*')
  const written: string[] = []
  const original = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true }) as typeof process.stderr.write
  try {
    withLogin()
      .get('/v1/secret/data/conduit/secrets/api_key').reply(404, { errors: [] })
      .get('/v1/secret/data/conduit/variables/api_key').reply(404, { errors: [] })
      .post('/v1/secret/data/conduit/secrets/api_key').reply(200, KV_WRITTEN)
    await new VaultSecretStore(settings()).create('secret', 'api_key', 'sk_live_debug_probe')
  } finally {
    process.stderr.write = original
    debug.disable()
  }
  t.notMatch(written.join(''), /sk_live_debug_probe|node-vault/)
})

t.test('a closed store refuses work', async t => {
  const store = new VaultSecretStore(settings())
  await store.close()
  await t.rejects(store.get('secret', 'api_key'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Vault store is closed' })
})
