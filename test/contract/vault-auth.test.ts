// Vault authentication as Conduit uses it: token (lookup-self, renew-self), AppRole and Kubernetes
// logins, renewal at two thirds of the lease on an injected timer, and a new login on expiry or 403.
import nock from 'nock'
import t from 'tap'
import { VaultSecretStore } from '../../src/secrets/vault-store.js'
import type { Timers, VaultSettings, VaultStoreDeps } from '../../src/secrets/vault-store.js'

const VAULT = 'http://vault.test:8200'
const STATIC = 'hvs.static-token-0001'
const LOGIN_1 = '5b1a0318-679c-9c45-e5c6-d1b9a9035d49'
const LOGIN_2 = '62b858f9-529c-6b26-e0b8-0457b6aacdb4'
const SECRET_ID = '841771dc-11c9-bbc7-bcac-6a3945a69cd9'
const SA_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDp2YXVsdC1hdXRoIn0.c2ln'

function settings (auth: VaultSettings['auth']): VaultSettings {
  return { address: VAULT, mount: 'secret', prefix: 'conduit', timeoutMs: 150, auth }
}

// GET /auth/token/lookup-self (Token auth method API docs).
function lookupSelf (ttl: number, renewable: boolean): object {
  return {
    data: {
      accessor: '8609694a-cdbc-db9b-d345-e782dbb562ed',
      creation_time: 1523979354,
      creation_ttl: 2764800,
      display_name: 'ldap2-tesla',
      entity_id: '7d2e3179-f69b-450c-7179-ac8ee8bd8ca9',
      expire_time: '2018-05-19T11:35:54.466476215-04:00',
      explicit_max_ttl: 0,
      id: STATIC,
      identity_policies: ['dev-group-policy'],
      issue_time: '2018-04-17T11:35:54.466476078-04:00',
      meta: { username: 'tesla' },
      num_uses: 0,
      orphan: true,
      path: 'auth/ldap2/login/tesla',
      policies: ['default', 'testgroup2-policy'],
      renewable,
      ttl
    }
  }
}

// POST /auth/token/renew-self.
function renewed (token: string, leaseDuration: number, renewable = true): object {
  return { auth: { client_token: token, policies: ['web', 'stage'], metadata: { user: 'armon' }, lease_duration: leaseDuration, renewable } }
}

// POST /auth/approle/login (AppRole auth method API docs).
function approleLogin (token: string, leaseDuration: number, renewable = true): object {
  return {
    auth: { renewable, lease_duration: leaseDuration, metadata: null, token_policies: ['default'], accessor: 'fd6c9a00-d2dc-3b11-0be5-af7ae0e1d374', client_token: token },
    warnings: null,
    wrap_info: null,
    data: null,
    lease_duration: 0,
    renewable: false,
    lease_id: ''
  }
}

// POST /auth/kubernetes/login (Kubernetes auth method API docs).
function kubernetesLogin (token: string, leaseDuration: number): object {
  return {
    auth: {
      client_token: token,
      accessor: 'afa306d0-be3d-c8d2-b0d7-2676e1c0d9b4',
      policies: ['default'],
      metadata: { role: 'conduit', service_account_name: 'vault-auth', service_account_namespace: 'default', service_account_secret_name: 'vault-auth-token-pd21c', service_account_uid: 'aa9aa8ff-98d0-11e7-9bb7-0800276d99bf' },
      lease_duration: leaseDuration,
      renewable: true
    }
  }
}

function kvRead (value: string): object {
  return { data: { data: { value }, metadata: { created_time: '2018-03-22T02:24:06.945319214Z', deletion_time: '', destroyed: false, version: 1 } } }
}

class FakeTimers implements Timers {
  pending: Array<{ id: number, fn: () => void, ms: number }> = []
  #next = 1
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.#next++
    this.pending.push({ id, fn, ms })
    return id
  }

  clearTimeout = (handle: unknown): void => {
    this.pending = this.pending.filter(p => p.id !== handle)
  }

  /** Runs the one scheduled task and returns its delay. */
  fire (): number {
    const task = this.pending.shift()
    if (task === undefined) throw new Error('no timer scheduled')
    task.fn()
    return task.ms
  }
}

class Clock {
  ms = 5_000_000
  now = (): number => this.ms
}

// Bounded by wall time, not by turns of the loop: nock answers through axios' own timers, and a busy
// CI machine can need far more than a few hundred turns before the reply lands.
async function until (cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!cond() && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 2))
  if (!cond()) throw new Error('condition never became true')
}

function deps (files: Record<string, string> = {}): { timers: FakeTimers, clock: Clock, warnings: string[], deps: VaultStoreDeps } {
  const timers = new FakeTimers()
  const clock = new Clock()
  const warnings: string[] = []
  return {
    timers,
    clock,
    warnings,
    deps: {
      timers,
      now: clock.now,
      warn: m => warnings.push(m),
      readFile: async path => {
        const text = files[path]
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
        return text
      }
    }
  }
}

function as (token: string): nock.Scope {
  return nock(VAULT, { reqheaders: { 'x-vault-token': token } })
}

t.before(() => { nock.disableNetConnect() })
t.afterEach(() => { nock.cleanAll() })
t.teardown(() => { nock.enableNetConnect() })

t.test('token: lookup-self learns the TTL; renew-self runs at two thirds of each lease', async t => {
  const d = deps()
  const scope = as(STATIC)
    .get('/v1/auth/token/lookup-self').reply(200, lookupSelf(2764800, true))
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('v'))
    .post('/v1/auth/token/renew-self').reply(200, renewed(STATIC, 3600))
  const store = new VaultSecretStore(settings({ method: 'token', token: STATIC }), d.deps)
  t.equal(await store.get('secret', 'api_key'), 'v')
  t.equal(d.timers.pending.length, 1)
  t.equal(d.timers.fire(), 2764800 * 1000 * 2 / 3)
  await until(() => d.timers.pending.length === 1)
  t.equal(d.timers.pending[0]?.ms, 2400 * 1000, 'the next renewal follows the renewed lease')
  t.ok(scope.isDone())
  await store.close()
  t.equal(d.timers.pending.length, 0, 'close cancels the renewal')
})

t.test('token: a token without TTL is never renewed', async t => {
  const d = deps()
  as(STATIC).get('/v1/auth/token/lookup-self').reply(200, lookupSelf(0, false)).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'token', token: STATIC }), d.deps)
  await store.get('secret', 'a')
  t.equal(d.timers.pending.length, 0)
})

t.test('token file: read at login; after a 403 it is re-read and the operation retried once', async t => {
  const files: Record<string, string> = { '/run/vault/token': STATIC + '\n' }
  const d = deps(files)
  as(STATIC)
    .get('/v1/auth/token/lookup-self').reply(200, lookupSelf(0, false))
    .get('/v1/secret/data/conduit/secrets/api_key').reply(403, { errors: ['permission denied'] })
  const scope = as('hvs.rotated-by-agent')
    .get('/v1/auth/token/lookup-self').reply(200, lookupSelf(0, false))
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'token', tokenFile: '/run/vault/token' }), d.deps)
  const pending = store.get('secret', 'api_key')
  files['/run/vault/token'] = 'hvs.rotated-by-agent'
  t.equal(await pending, 'v')
  t.ok(scope.isDone())
})

t.test('token file that cannot be read is a clear error', async t => {
  const d = deps()
  const store = new VaultSecretStore(settings({ method: 'token', tokenFile: '/nope' }), d.deps)
  await t.rejects(store.get('secret', 'a'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Cannot read the Vault token file (secrets.vault.auth.tokenFile)' })
})

t.test('approle: logs in with role_id and the secret_id file, then uses the client token', async t => {
  const d = deps({ '/etc/conduit/secret-id': SECRET_ID + '\n' })
  const login = nock(VAULT, { badheaders: ['x-vault-token'] })
    .post('/v1/auth/approle/login', { role_id: '59d6d1ca-47bb-4e7e-a40b-8be3bc5a0ba8', secret_id: SECRET_ID }).reply(200, approleLogin(LOGIN_1, 1200))
  const reads = as(LOGIN_1).get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: '59d6d1ca-47bb-4e7e-a40b-8be3bc5a0ba8', secretIdFile: '/etc/conduit/secret-id' }), d.deps)
  t.equal(await store.get('secret', 'api_key'), 'v')
  t.ok(login.isDone())
  t.ok(reads.isDone())
  t.equal(d.timers.pending[0]?.ms, 800 * 1000, 'renewal at two thirds of 1200 s')
})

t.test('approle: a custom mount path is used', async t => {
  const d = deps({ '/s': SECRET_ID })
  const login = nock(VAULT).post('/v1/auth/ci-approle/login').reply(200, approleLogin(LOGIN_1, 0, false))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s', mountPath: 'ci-approle' }), d.deps)
  await store.get('secret', 'a')
  t.ok(login.isDone())
})

t.test('approle: concurrent first requests share one login', async t => {
  const d = deps({ '/s': SECRET_ID })
  const login = nock(VAULT).post('/v1/auth/approle/login').once().reply(200, approleLogin(LOGIN_1, 1200))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').times(10).reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  const values = await Promise.all(Array.from({ length: 10 }, () => store.get('secret', 'a')))
  t.same(values, Array(10).fill('v'))
  t.ok(login.isDone())
})

t.test('approle: a failed login is SECRET_STORE_UNAVAILABLE and never quotes the secret_id', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(400, { errors: [`invalid secret id ${SECRET_ID}`] })
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  await t.rejects(store.get('secret', 'a'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Vault answered HTTP 400: invalid secret id [REDACTED] while logging in to Vault (approle)' })
})

t.test('403 on an operation: log in again and retry exactly once', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 1200))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/api_key').reply(403, { errors: ['permission denied'] })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_2, 1200))
  const retry = as(LOGIN_2).get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('after-relogin'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  t.equal(await store.get('secret', 'api_key'), 'after-relogin')
  t.ok(retry.isDone())

  // Still 403 after the new login: the policy really denies it, and there is no second retry.
  as(LOGIN_2).get('/v1/secret/data/conduit/secrets/other').reply(403, { errors: ['permission denied'] })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 1200))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/other').reply(403, { errors: ['permission denied'] })
  await t.rejects(store.get('secret', 'other'), { code: 'SECRET_STORE_UNAVAILABLE', message: "Vault denied access (HTTP 403) while reading secret 'other'" })
  t.same(nock.pendingMocks(), [])
})

t.test('an expired token leads to a new login before the next operation', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 60, false))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('one'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  t.equal(await store.get('secret', 'a'), 'one')
  d.clock.ms += 61_000
  const relogin = nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_2, 60, false))
  const second = as(LOGIN_2).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('two'))
  t.equal(await store.get('secret', 'a'), 'two')
  t.ok(relogin.isDone())
  t.ok(second.isDone())
})

t.test('a non-renewable login token is replaced by a new login at two thirds of its lease', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 90, false))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  await store.get('secret', 'a')
  const relogin = nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_2, 90, false))
  t.equal(d.timers.fire(), 60_000)
  await until(() => relogin.isDone())
  const read = as(LOGIN_2).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v2'))
  t.equal(await store.get('secret', 'a'), 'v2')
  t.ok(read.isDone())
})

t.test('renewal refused (403) → a new login in the background', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 1200))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  await store.get('secret', 'a')
  as(LOGIN_1).post('/v1/auth/token/renew-self').reply(403, { errors: ['permission denied'] })
  const relogin = nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_2, 1200))
  d.timers.fire()
  await until(() => relogin.isDone())
  const read = as(LOGIN_2).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  await store.get('secret', 'a')
  t.ok(read.isDone())
})

t.test('a renewal capped by the max TTL schedules a new login instead of another renewal', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_1, 1200))
  as(LOGIN_1).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  await store.get('secret', 'a')
  const renew = as(LOGIN_1).post('/v1/auth/token/renew-self').reply(200, renewed(LOGIN_1, 300))
  d.timers.fire()
  await until(() => renew.isDone() && d.timers.pending.length === 1)
  t.equal(d.timers.pending[0]?.ms, 200_000)
  const relogin = nock(VAULT).post('/v1/auth/approle/login').reply(200, approleLogin(LOGIN_2, 1200))
  d.timers.fire()
  await until(() => relogin.isDone())
})

t.test('a renewal that fails for a network reason is reported as a warning', async t => {
  const d = deps()
  as(STATIC).get('/v1/auth/token/lookup-self').reply(200, lookupSelf(600, true)).get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead('v'))
  const store = new VaultSecretStore(settings({ method: 'token', token: STATIC }), d.deps)
  await store.get('secret', 'a')
  as(STATIC).post('/v1/auth/token/renew-self').reply(503, { errors: ['Vault is sealed'] })
  d.timers.fire()
  await until(() => d.warnings.length === 1)
  t.same(d.warnings, ['Vault is sealed or unavailable (HTTP 503) while renewing the Vault token'])
})

t.test('kubernetes: logs in with the role and the service-account JWT (default path)', async t => {
  const d = deps({ '/var/run/secrets/kubernetes.io/serviceaccount/token': SA_JWT })
  const login = nock(VAULT).post('/v1/auth/kubernetes/login', { role: 'conduit', jwt: SA_JWT }).reply(200, kubernetesLogin(LOGIN_1, 2764800))
  const read = as(LOGIN_1).get('/v1/secret/data/conduit/variables/region').reply(200, kvRead('eu'))
  const store = new VaultSecretStore(settings({ method: 'kubernetes', role: 'conduit' }), d.deps)
  t.equal(await store.get('variable', 'region'), 'eu')
  t.ok(login.isDone())
  t.ok(read.isDone())
})

t.test('kubernetes: custom JWT file and mount path', async t => {
  const d = deps({ '/jwt': SA_JWT })
  const login = nock(VAULT).post('/v1/auth/k8s-east/login', { role: 'conduit', jwt: SA_JWT }).reply(200, kubernetesLogin(LOGIN_1, 600))
  as(LOGIN_1).get('/v1/secret/data/conduit/variables/region').reply(200, kvRead('eu'))
  const store = new VaultSecretStore(settings({ method: 'kubernetes', role: 'conduit', jwtFile: '/jwt', mountPath: 'k8s-east' }), d.deps)
  await store.get('variable', 'region')
  t.ok(login.isDone())
})

t.test('kubernetes: a missing JWT file names the setting', async t => {
  const d = deps()
  const store = new VaultSecretStore(settings({ method: 'kubernetes', role: 'conduit' }), d.deps)
  await t.rejects(store.get('secret', 'a'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Cannot read the Kubernetes service-account token file (secrets.vault.auth.jwtFile)' })
})

t.test('a login that returns no token is an error', async t => {
  const d = deps({ '/s': SECRET_ID })
  nock(VAULT).post('/v1/auth/approle/login').reply(200, { auth: null, data: null })
  const store = new VaultSecretStore(settings({ method: 'approle', roleId: 'r', secretIdFile: '/s' }), d.deps)
  await t.rejects(store.get('secret', 'a'), { code: 'SECRET_STORE_UNAVAILABLE', message: 'Vault login (approle) returned no token' })
})
