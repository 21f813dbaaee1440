import t from 'tap'
import { envName, leafSettings, nodeAt } from '../../src/settings/schema.js'

t.test('environment variable names are CONDUIT_ plus the key path in upper snake case', async t => {
  t.equal(envName('upstream.timeoutMs'), 'CONDUIT_UPSTREAM_TIMEOUT_MS')
  t.equal(envName('secrets.cache.ttlSeconds'), 'CONDUIT_SECRETS_CACHE_TTL_SECONDS')
  t.equal(envName('dataDir'), 'CONDUIT_DATA_DIR')
  t.equal(envName('callers.jwt.jwksUrl'), 'CONDUIT_CALLERS_JWT_JWKS_URL')
})

t.test('every leaf key of the schema has a distinct variable, vault auth keys of every method included', async t => {
  const leaves = leafSettings()
  const byEnv = new Map(leaves.map(l => [l.env, l.path]))
  t.equal(byEnv.size, leaves.length)
  const expected: Record<string, string> = {
    CONDUIT_SERVER_HOST: 'server.host',
    CONDUIT_SERVER_BODY_LIMIT: 'server.bodyLimit',
    CONDUIT_REGISTRY_PATH: 'registry.path',
    CONDUIT_SECRETS_ON_MISSING: 'secrets.onMissing',
    CONDUIT_SECRETS_CACHE_STALE_IF_ERROR_SECONDS: 'secrets.cache.staleIfErrorSeconds',
    CONDUIT_SECRETS_FILE_KEY_FILE: 'secrets.file.keyFile',
    CONDUIT_SECRETS_VAULT_CA_CERT: 'secrets.vault.caCert',
    CONDUIT_SECRETS_VAULT_AUTH_METHOD: 'secrets.vault.auth.method',
    CONDUIT_SECRETS_VAULT_AUTH_TOKEN: 'secrets.vault.auth.token',
    CONDUIT_SECRETS_VAULT_AUTH_ROLE_ID: 'secrets.vault.auth.roleId',
    CONDUIT_SECRETS_VAULT_AUTH_SECRET_ID_FILE: 'secrets.vault.auth.secretIdFile',
    CONDUIT_SECRETS_VAULT_AUTH_JWT_FILE: 'secrets.vault.auth.jwtFile',
    CONDUIT_SECRETS_VAULT_AUTH_MOUNT_PATH: 'secrets.vault.auth.mountPath',
    CONDUIT_UPSTREAM_CONNECT_TIMEOUT_MS: 'upstream.connectTimeoutMs',
    CONDUIT_UPSTREAM_MAX_RESPONSE_BYTES: 'upstream.maxResponseBytes',
    CONDUIT_CALLERS_JWT_PUBLIC_KEY: 'callers.jwt.publicKey',
    CONDUIT_CALLERS_TENANT_ID: 'callers.tenantId',
    CONDUIT_ADMIN_TOKEN: 'admin.token',
    CONDUIT_LOG_LEVEL: 'logLevel'
  }
  for (const [env, path] of Object.entries(expected)) t.equal(byEnv.get(env), path, env)
  t.notOk([...byEnv.values()].some(p => p === 'server' || p === 'secrets.vault.auth'), 'sections are not leaves')
})

t.test('the vault auth method is described by the tags of its branches', async t => {
  t.same(nodeAt(['secrets', 'vault', 'auth', 'method'])?.enum, ['token', 'approle', 'kubernetes'])
  t.equal(nodeAt(['upstream', 'timeoutMs'])?.type, 'integer')
  t.equal(nodeAt(['upstream', 'nope']), undefined)
})
