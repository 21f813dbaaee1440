import t from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ignoredEnvVars, loadSettings, settingsWarnings, SettingsError } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..')

function settingsError (t: Test, fn: () => unknown): SettingsError {
  try {
    fn()
  } catch (err) {
    t.type(err, SettingsError)
    return err as SettingsError
  }
  t.fail('expected a SettingsError')
  return new SettingsError([])
}

function withFile (t: Test, content: unknown): string {
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2)
  return t.testdir({ config: { 'conduit.json': text } })
}

t.test('without a file every key has its default, and paths resolve against cwd', async t => {
  const cwd = t.testdir({})
  const s = loadSettings({ env: {}, cwd })
  t.same(s, {
    server: {
      host: '127.0.0.1',
      port: 8080,
      bodyLimit: 1048576,
      trustProxy: false,
      requestTimeoutMs: 30000,
      keepAliveTimeoutMs: 72000,
      shutdownDelayMs: 5000,
      shutdownGraceMs: 30000,
      replicaHint: 1
    },
    registry: { path: join(cwd, 'config/connectors_registry.json'), watch: true },
    secrets: {
      backend: 'file',
      onMissing: 'literal',
      cache: { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 10000 },
      file: { path: join(cwd, 'data/secrets.json'), keyFile: join(cwd, 'data/master.key') },
      vault: { address: 'http://127.0.0.1:8200', mount: 'secret', prefix: 'conduit', timeoutMs: 5000, auth: { method: 'token' } }
    },
    upstream: { timeoutMs: 15000, connectTimeoutMs: 5000, maxResponseBytes: 10485760, allowInsecure: false, allowPrivateNetworks: false },
    callers: {},
    admin: {},
    redis: {},
    cors: { origins: [] },
    rateLimit: { enabled: false, max: 100, windowSeconds: 60, key: 'caller' },
    cache: { enabled: true, store: 'memory', maxBytes: 67108864, maxEntryBytes: 1048576 },
    metrics: { enabled: true, requireToken: false },
    tracing: { enabled: false, serviceName: 'conduit' },
    logLevel: 'info',
    dataDir: join(cwd, 'data')
  } satisfies Settings)
})

t.test('the example config/conduit.json is valid and equals the defaults', async t => {
  const example = readFileSync(join(repoRoot, 'config/conduit.json'), 'utf8')
  const cwd = withFile(t, example)
  const bare = t.testdir({})
  const fromExample = loadSettings({ env: {}, cwd })
  const defaults = loadSettings({ env: {}, cwd: bare })
  t.same(JSON.parse(JSON.stringify(fromExample).replaceAll(cwd, '<cwd>')), JSON.parse(JSON.stringify(defaults).replaceAll(bare, '<cwd>')))
})

t.test('the default config/conduit.json under cwd is read when present', async t => {
  const cwd = withFile(t, { server: { port: 9090 }, upstream: { allowInsecure: true }, logLevel: 'debug' })
  const s = loadSettings({ env: {}, cwd })
  t.equal(s.server.port, 9090)
  t.equal(s.server.host, '127.0.0.1', 'keys the file leaves out keep their defaults')
  t.equal(s.upstream.allowInsecure, true)
  t.equal(s.upstream.timeoutMs, 15000)
  t.equal(s.logLevel, 'debug')
})

t.test('an explicit --config path is read instead, relative to cwd', async t => {
  const cwd = t.testdir({ 'custom.json': JSON.stringify({ server: { port: 7000 } }), config: { 'conduit.json': JSON.stringify({ server: { port: 1 } }) } })
  t.equal(loadSettings({ configPath: 'custom.json', env: {}, cwd }).server.port, 7000)
  t.equal(loadSettings({ configPath: join(cwd, 'custom.json'), env: {}, cwd }).server.port, 7000)
})

t.test('an explicit --config path that does not exist is an error naming it', async t => {
  const cwd = t.testdir({})
  const err = settingsError(t, () => loadSettings({ configPath: 'nope.json', env: {}, cwd }))
  t.match(err.message, /Settings file nope\.json \(from --config\) does not exist/)
})

t.test('a JSON syntax error names the file, line and column', async t => {
  const cwd = withFile(t, '{\n  "server": {\n    "port": 8080,\n  }\n}\n')
  const err = settingsError(t, () => loadSettings({ env: {}, cwd }))
  t.match(err.message, /^Settings file config\/conduit\.json: JSON syntax error at line 4, column 3: /)

  const cwd2 = withFile(t, '{\n  "logLevel": info\n}')
  t.match(settingsError(t, () => loadSettings({ env: {}, cwd: cwd2 })).message, /line 2, column 15: unexpected "i", expected a value/)

  const cwd3 = withFile(t, '{\n  "logLevel": "info"')
  t.match(settingsError(t, () => loadSettings({ env: {}, cwd: cwd3 })).message, /line 2, column 21: unexpected end of input/)
})

t.test('a file whose top level is not an object is an error', async t => {
  const cwd = withFile(t, '[1, 2]')
  t.match(settingsError(t, () => loadSettings({ env: {}, cwd })).message, /config\/conduit\.json: must hold a JSON object at the top level/)
})

t.test('environment variables override the file, coerced by the schema type', async t => {
  const cwd = withFile(t, { server: { port: 9090 }, upstream: { timeoutMs: 100 } })
  const s = loadSettings({
    cwd,
    env: {
      CONDUIT_SERVER_PORT: '9191',
      CONDUIT_SERVER_TRUST_PROXY: 'true',
      CONDUIT_UPSTREAM_TIMEOUT_MS: '2500',
      CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: '1',
      CONDUIT_REGISTRY_WATCH: 'FALSE',
      CONDUIT_SECRETS_CACHE_TTL_SECONDS: '0',
      CONDUIT_ADMIN_TOKEN: 'a-long-admin-token-value',
      CONDUIT_CALLERS_JWT_SECRET: 'hmac-secret',
      CONDUIT_CALLERS_JWT_ISSUER: 'https://host.example',
      CONDUIT_CALLERS_TENANT_ID: 'tenant-1',
      CONDUIT_SECRETS_BACKEND: 'vault',
      CONDUIT_SECRETS_VAULT_AUTH_METHOD: 'kubernetes',
      CONDUIT_SECRETS_VAULT_AUTH_ROLE: 'conduit',
      CONDUIT_SECRETS_VAULT_NAMESPACE: 'team-a',
      CONDUIT_LOG_LEVEL: 'warn'
    }
  })
  t.equal(s.server.port, 9191)
  t.equal(s.server.trustProxy, true)
  t.equal(s.upstream.timeoutMs, 2500)
  t.equal(s.upstream.allowPrivateNetworks, true)
  t.equal(s.registry.watch, false)
  t.equal(s.secrets.cache.ttlSeconds, 0)
  t.equal(s.admin.token, 'a-long-admin-token-value')
  t.same(s.callers, { jwt: { secret: 'hmac-secret', issuer: 'https://host.example', requireExp: true }, tenantId: 'tenant-1' })
  t.equal(s.secrets.backend, 'vault')
  t.same(s.secrets.vault.auth, { method: 'kubernetes', role: 'conduit' })
  t.equal(s.secrets.vault.namespace, 'team-a')
  t.equal(s.logLevel, 'warn')
})

t.test('CONDUIT_DATA_DIR moves the file store defaults; explicit file paths stay', async t => {
  const cwd = t.testdir({})
  const s = loadSettings({ cwd, env: { CONDUIT_DATA_DIR: '/var/lib/conduit' } })
  t.equal(s.dataDir, '/var/lib/conduit')
  t.equal(s.secrets.file.path, '/var/lib/conduit/secrets.json')
  t.equal(s.secrets.file.keyFile, '/var/lib/conduit/master.key')
  const s2 = loadSettings({ cwd, env: { CONDUIT_DATA_DIR: 'state', CONDUIT_SECRETS_FILE_PATH: 'elsewhere/s.json' } })
  t.equal(s2.dataDir, join(cwd, 'state'))
  t.equal(s2.secrets.file.path, join(cwd, 'elsewhere/s.json'))
  t.equal(s2.secrets.file.keyFile, join(cwd, 'state/master.key'))
})

t.test('every path setting resolves against cwd', async t => {
  const cwd = withFile(t, {
    registry: { path: 'reg.json' },
    secrets: { file: { path: 's.json', keyFile: '/abs/k' }, vault: { caCert: 'ca.pem', auth: { method: 'approle', roleId: 'r', secretIdFile: 'sid' } } }
  })
  const s = loadSettings({ cwd, env: {} })
  t.equal(s.registry.path, join(cwd, 'reg.json'))
  t.equal(s.secrets.file.path, join(cwd, 's.json'))
  t.equal(s.secrets.file.keyFile, '/abs/k')
  t.equal(s.secrets.vault.caCert, join(cwd, 'ca.pem'))
  t.same(s.secrets.vault.auth, { method: 'approle', roleId: 'r', secretIdFile: join(cwd, 'sid') })
})

t.test('CONDUIT_MASTER_KEY fills secrets.file.masterKey; the full name wins', async t => {
  const cwd = t.testdir({})
  t.equal(loadSettings({ cwd, env: { CONDUIT_MASTER_KEY: 'k1' } }).secrets.file.masterKey, 'k1')
  t.equal(loadSettings({ cwd, env: { CONDUIT_MASTER_KEY: 'k1', CONDUIT_SECRETS_FILE_MASTER_KEY: 'k2' } }).secrets.file.masterKey, 'k2')
})

t.test('unknown and empty CONDUIT_ variables are ignored, and listed', async t => {
  const cwd = t.testdir({})
  const env = { CONDUIT_NOT_A_SETTING: 'x', CONDUIT_UPSTREAM_TIMEOUT: '5', CONDUIT_SERVER_PORT: '', CONDUIT_MASTER_KEY: 'k', PATH: '/bin' }
  const s = loadSettings({ cwd, env })
  t.equal(s.server.port, 8080, 'an empty variable counts as unset')
  t.same(ignoredEnvVars(env), ['CONDUIT_NOT_A_SETTING', 'CONDUIT_UPSTREAM_TIMEOUT'])
})

t.test('invalid values from the environment name the key and the variable', async t => {
  const cwd = t.testdir({})
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ CONDUIT_UPSTREAM_TIMEOUT_MS: '0' }, /^Invalid setting upstream\.timeoutMs \(from CONDUIT_UPSTREAM_TIMEOUT_MS\): must be integer >= 1 \(got 0\)$/],
    [{ CONDUIT_UPSTREAM_TIMEOUT_MS: '1.5' }, /^Invalid setting upstream\.timeoutMs \(from CONDUIT_UPSTREAM_TIMEOUT_MS\): must be integer >= 1/],
    [{ CONDUIT_SERVER_PORT: 'eighty' }, /^Invalid setting server\.port \(from CONDUIT_SERVER_PORT\): must be integer between 0 and 65535 \(got "eighty"\)$/],
    [{ CONDUIT_SERVER_PORT: '70000' }, /^Invalid setting server\.port \(from CONDUIT_SERVER_PORT\): must be integer between 0 and 65535/],
    [{ CONDUIT_REGISTRY_WATCH: 'maybe' }, /^Invalid setting registry\.watch \(from CONDUIT_REGISTRY_WATCH\): must be boolean \(true or false\)/],
    [{ CONDUIT_SECRETS_BACKEND: 'redis' }, /^Invalid setting secrets\.backend \(from CONDUIT_SECRETS_BACKEND\): must be one of 'file', 'vault'/],
    [{ CONDUIT_LOG_LEVEL: 'loud' }, /^Invalid setting logLevel \(from CONDUIT_LOG_LEVEL\): must be one of 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'/],
    [{ CONDUIT_SECRETS_VAULT_AUTH_METHOD: 'ldap' }, /^Invalid setting secrets\.vault\.auth\.method \(from CONDUIT_SECRETS_VAULT_AUTH_METHOD\): must be one of 'token', 'approle', 'kubernetes'/],
    [{ CONDUIT_SECRETS_VAULT_ADDRESS: 'vault:8200' }, /^Invalid setting secrets\.vault\.address \(from CONDUIT_SECRETS_VAULT_ADDRESS\): must be an http:\/\/ or https:\/\/ URL/],
    [{ CONDUIT_SECRETS_CACHE_MAX_ENTRIES: '-3' }, /^Invalid setting secrets\.cache\.maxEntries \(from CONDUIT_SECRETS_CACHE_MAX_ENTRIES\): must be integer >= 1/]
  ]
  for (const [env, expected] of cases) {
    t.match(settingsError(t, () => loadSettings({ cwd, env })).message, expected, JSON.stringify(env))
  }
})

t.test('invalid values from the file name the key and the file', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ upstream: { timeoutMs: 'fast' } }, /^Invalid setting upstream\.timeoutMs \(from file config\/conduit\.json\): must be integer >= 1 \(got "fast"\)$/],
    [{ server: { host: '' } }, /^Invalid setting server\.host \(from file config\/conduit\.json\): must be a non-empty string/],
    [{ server: 'localhost' }, /^Invalid setting server \(from file config\/conduit\.json\): must be an object/],
    [{ upstream: { allowInsecure: 'yes' } }, /^Invalid setting upstream\.allowInsecure \(from file config\/conduit\.json\): must be boolean/],
    [{ secrets: { onMissing: 'ignore' } }, /^Invalid setting secrets\.onMissing \(from file config\/conduit\.json\): must be one of 'literal', 'fail'/],
    [{ callers: { jwt: { jwksUrl: 'not a url' } } }, /^Invalid setting callers\.jwt\.jwksUrl \(from file config\/conduit\.json\): must be an http:\/\/ or https:\/\/ URL/]
  ]
  for (const [content, expected] of cases) {
    const cwd = withFile(t, content)
    t.match(settingsError(t, () => loadSettings({ cwd, env: {} })).message, expected, JSON.stringify(content))
  }
})

t.test('every problem is reported, one line each', async t => {
  const cwd = withFile(t, { server: { port: -1 }, upstream: { maxResponseBytes: 0 } })
  const err = settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_SECRETS_CACHE_TTL_SECONDS: 'x' } }))
  t.equal(err.issues.length, 3)
  t.match(err.message, /server\.port \(from file config\/conduit\.json\)/)
  t.match(err.message, /upstream\.maxResponseBytes \(from file config\/conduit\.json\)/)
  t.match(err.message, /secrets\.cache\.ttlSeconds \(from CONDUIT_SECRETS_CACHE_TTL_SECONDS\)/)
})

t.test('a misspelt key is an error naming it, with a suggestion when one is close', async t => {
  const cwd = withFile(t, { upstream: { timeoutMS: 100 }, serverr: {}, secrets: { cache: { ttl: 5 } } })
  const err = settingsError(t, () => loadSettings({ cwd, env: {} }))
  t.match(err.message, /Unknown setting upstream\.timeoutMS \(from file config\/conduit\.json\): not a known key; did you mean upstream\.timeoutMs\?/)
  t.match(err.message, /Unknown setting serverr \(from file config\/conduit\.json\): not a known key; did you mean server\?/)
  t.match(err.message, /Unknown setting secrets\.cache\.ttl \(from file config\/conduit\.json\): not a known key$/m)
})

t.test('vault auth: each method has its own keys', async t => {
  const approleMissing = withFile(t, { secrets: { vault: { auth: { method: 'approle', roleId: 'r' } } } })
  t.match(settingsError(t, () => loadSettings({ cwd: approleMissing, env: {} })).message,
    /Invalid setting secrets\.vault\.auth\.secretIdFile \(from file config\/conduit\.json\): is required when secrets\.vault\.auth\.method is 'approle'/)

  const foreignKey = withFile(t, { secrets: { vault: { auth: { method: 'token', role: 'x' } } } })
  t.match(settingsError(t, () => loadSettings({ cwd: foreignKey, env: {} })).message, /Unknown setting secrets\.vault\.auth\.role \(from file config\/conduit\.json\)/)

  const envSwitch = withFile(t, { secrets: { vault: { auth: { method: 'token', token: 't' } } } })
  t.match(settingsError(t, () => loadSettings({ cwd: envSwitch, env: { CONDUIT_SECRETS_VAULT_AUTH_METHOD: 'kubernetes' } })).message,
    /secrets\.vault\.auth\.role \(from CONDUIT_SECRETS_VAULT_AUTH_METHOD and file config\/conduit\.json\): is required/)
})

t.test('the vault backend with token auth needs a token or token file', async t => {
  const cwd = t.testdir({})
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_SECRETS_BACKEND: 'vault' } })).message,
    /Invalid setting secrets\.vault\.auth\.token \(from defaults\): is required when secrets\.backend is 'vault'/)
  t.equal(loadSettings({ cwd, env: { CONDUIT_SECRETS_BACKEND: 'vault', CONDUIT_SECRETS_VAULT_AUTH_TOKEN_FILE: '/run/token' } }).secrets.vault.auth.method, 'token')
})

t.test('callers.jwt needs exactly one verification key', async t => {
  const cwd = t.testdir({})
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_CALLERS_JWT_ISSUER: 'iss' } })).message,
    /Invalid setting callers\.jwt \(from CONDUIT_CALLERS_JWT_ISSUER\): must set exactly one of secret, publicKey, jwksUrl$/)
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_CALLERS_JWT_SECRET: 's', CONDUIT_CALLERS_JWT_JWKS_URL: 'https://idp/jwks' } })).message,
    /must set exactly one of secret, publicKey, jwksUrl \(found secret, jwksUrl\)/)
})

t.test('credential values never appear in an error message', async t => {
  const cwd = withFile(t, { admin: { token: 12345678 }, callers: { jwt: { secret: 987654321 } } })
  const err = settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_MASTER_KEY: 'x', CONDUIT_SECRETS_VAULT_AUTH_TOKEN: 'y' } }))
  t.match(err.message, /admin\.token/)
  t.match(err.message, /callers\.jwt\.secret/)
  t.notMatch(err.message, /12345678|987654321/)
})

t.test('warnings list the settings that weaken a protection', async t => {
  const cwd = t.testdir({})
  t.same(settingsWarnings(loadSettings({ cwd, env: {} })), [])
  const warnings = settingsWarnings(loadSettings({
    cwd,
    env: { CONDUIT_UPSTREAM_ALLOW_INSECURE: 'true', CONDUIT_UPSTREAM_ALLOW_PRIVATE_NETWORKS: 'true', CONDUIT_ADMIN_TOKEN: 'short' }
  }))
  t.equal(warnings.length, 3)
  t.match(warnings[0], /^upstream\.allowInsecure is on/)
  t.match(warnings[1], /^upstream\.allowPrivateNetworks is on/)
  t.match(warnings[2], /^admin\.token is shorter than 16 characters/)
  t.notMatch(warnings.join('\n'), /short[^e]/, 'the token itself is not in the warning')
})

t.test('upstream.allowPrivateHosts: a list from the file or a comma-separated variable; bad entries are named', async t => {
  const fromFile = loadSettings({ cwd: withFile(t, { upstream: { allowPrivateHosts: ['db.internal', '10.20.0.0/16'] } }), env: {} })
  t.same(fromFile.upstream.allowPrivateHosts, ['db.internal', '10.20.0.0/16'])
  t.match(settingsWarnings(fromFile), [/^upstream\.allowPrivateHosts lets connectors reach these private destinations: db\.internal, 10\.20\.0\.0\/16$/])
  const fromEnv = loadSettings({ cwd: t.testdir({}), env: { CONDUIT_UPSTREAM_ALLOW_PRIVATE_HOSTS: 'db.internal, fd00::/8' } })
  t.same(fromEnv.upstream.allowPrivateHosts, ['db.internal', 'fd00::/8'])
  const empty = loadSettings({ cwd: withFile(t, { upstream: { allowPrivateHosts: [] } }), env: {} })
  t.equal(empty.upstream.allowPrivateHosts, undefined, 'an empty list is no list')
  const bad = settingsError(t, () => loadSettings({ cwd: withFile(t, { upstream: { allowPrivateHosts: ['db.internal', '10.0.0.0/40'] } }), env: {} }))
  t.match(bad.message, /Invalid setting upstream\.allowPrivateHosts\[1\] \(from file config\/conduit\.json\): '10\.0\.0\.0\/40' has an invalid prefix length/)
  const notList = settingsError(t, () => loadSettings({ cwd: withFile(t, { upstream: { allowPrivateHosts: 'db.internal' } }), env: {} }))
  t.match(notList.message, /Invalid setting upstream\.allowPrivateHosts \(from file config\/conduit\.json\): must be a list of host names and CIDR ranges/)
})

t.test('deployment settings of SPEC §19: defaults, and the rules between them name the key', async t => {
  const cwd = t.testdir({})
  const s = loadSettings({ cwd, env: {} })
  t.equal(s.callers.jwt, undefined)
  t.same(loadSettings({ cwd, env: { CONDUIT_CALLERS_JWT_SECRET: 'x'.repeat(32) } }).callers.jwt?.requireExp, true, 'requireExp defaults to true')
  t.same(loadSettings({ cwd, env: { CONDUIT_ADMIN_PORT: '9091', CONDUIT_ADMIN_HOST: '0.0.0.0' } }).admin, { port: 9091, host: '0.0.0.0' })

  const grace = settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_SERVER_SHUTDOWN_GRACE_MS: '10000' } }))
  t.match(grace.message, /^Invalid setting server\.shutdownGraceMs \(from CONDUIT_SERVER_SHUTDOWN_GRACE_MS\): must be at least upstream\.timeoutMs \(15000\)/)
  t.ok(loadSettings({ cwd, env: { CONDUIT_SERVER_SHUTDOWN_GRACE_MS: '2000', CONDUIT_UPSTREAM_TIMEOUT_MS: '2000', CONDUIT_SERVER_SHUTDOWN_DELAY_MS: '100' } }),
    'a grace equal to the upstream timeout is allowed')
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_SERVER_SHUTDOWN_DELAY_MS: '30000' } })).message,
    /^Invalid setting server\.shutdownDelayMs \(from CONDUIT_SERVER_SHUTDOWN_DELAY_MS\): must be below server\.shutdownGraceMs/)
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_ADMIN_PORT: '8080' } })).message,
    /^Invalid setting admin\.port \(from CONDUIT_ADMIN_PORT\): must differ from server\.port/)
  t.match(settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_SERVER_REQUEST_TIMEOUT_MS: '0' } })).message,
    /server\.requestTimeoutMs .*must be integer >= 1/)
})

t.test('redis.url must be a redis URL, and its value (it may hold a password) is never quoted', async t => {
  const cwd = t.testdir({})
  t.equal(loadSettings({ cwd, env: { CONDUIT_REDIS_URL: 'redis://127.0.0.1:6379' } }).redis.url, 'redis://127.0.0.1:6379')
  const err = settingsError(t, () => loadSettings({ cwd, env: { CONDUIT_REDIS_URL: 'http://:hunter22@redis:6379' } }))
  t.match(err.message, /Invalid setting redis\.url \(from CONDUIT_REDIS_URL\): must be a redis:\/\/ or rediss:\/\/ URL/)
  t.notMatch(err.message, /hunter22/)
})

t.test('the file store with several replicas is a warning', async t => {
  const cwd = t.testdir({})
  const warnings = settingsWarnings(loadSettings({ cwd, env: { CONDUIT_SERVER_REPLICA_HINT: '3' } }))
  t.equal(warnings.length, 1)
  t.match(warnings[0], /^secrets\.backend is 'file' but server\.replicaHint is 3: .*use secrets\.backend 'vault'/)
  t.same(settingsWarnings(loadSettings({ cwd, env: { CONDUIT_SERVER_REPLICA_HINT: '1' } })), [])
})
