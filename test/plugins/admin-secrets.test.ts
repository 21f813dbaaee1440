import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import type { Test } from 'tap'
import adminAuth from '../../plugins/admin-auth.js'
import adminSecrets from '../../plugins/admin-secrets.js'
import { SecretCache } from '../../src/secrets/cache.js'
import { FileSecretStore } from '../../src/secrets/file-store.js'
import { createLogger } from '../../src/secrets/logger.js'

const ADMIN = 'admin-token-for-tests-0123456789'
const AUTH = { authorization: `Bearer ${ADMIN}` }
const CACHE = { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 100 }

interface Harness { app: FastifyInstance, store: FileSecretStore, cache: SecretCache, logs: string[], responses: string[], call: (opts: InjectOptions) => Promise<LightMyRequestResponse> }

async function harness (t: Test, register: (app: FastifyInstance, store: FileSecretStore, cache: SecretCache) => Promise<void> = async (app, store, cache) => {
  await app.register(adminSecrets, { store, resolver: cache, adminToken: ADMIN })
}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'conduit-admin-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const store = new FileSecretStore({ path: join(dir, 'secrets.json'), keyFile: join(dir, 'master.key') })
  const cache = new SecretCache(store, CACHE)
  const logs: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _e, cb) { logs.push(chunk.toString()); cb() } })
  const loggerInstance = createLogger({ level: 'trace', destination, secretValues: () => cache.knownSecretValues() })
  const app = Fastify({ loggerInstance: loggerInstance as FastifyBaseLogger })
  await register(app, store, cache)
  await app.ready()
  t.teardown(() => app.close())
  const responses: string[] = []
  const call = async (opts: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await app.inject(opts)
    responses.push(JSON.stringify(res.headers) + res.body)
    return res
  }
  return { app, store, cache, logs, responses, call }
}

function envelope (res: LightMyRequestResponse): { code: string, detail: string, request_id: string, success: boolean } {
  const body = res.json()
  return { success: body.success, code: body.errors?.code, detail: body.errors?.detail, request_id: body.request_id }
}

t.test('admin token: missing, malformed or wrong → 401 envelope; right → through', async t => {
  const { call } = await harness(t)
  for (const headers of [{}, { authorization: ADMIN }, { authorization: 'Bearer wrong' }, { authorization: `Basic ${ADMIN}` }, { authorization: `Bearer ${ADMIN}x` }]) {
    const res = await call({ method: 'GET', url: '/admin/secrets', headers })
    t.equal(res.statusCode, 401, JSON.stringify(headers))
    t.same(res.json(), { success: false, errors: { code: 'UNAUTHORIZED', detail: 'Admin token required' }, request_id: res.json().request_id })
    t.type(res.json().request_id, 'string')
    t.equal(res.headers['www-authenticate'], 'Bearer realm="conduit-admin"')
  }
  t.equal((await call({ method: 'GET', url: '/admin/secrets', headers: { authorization: `bearer  ${ADMIN}` } })).statusCode, 200, 'scheme is case-insensitive')
})

t.test('no admin token configured: every admin request is refused', async t => {
  const { call } = await harness(t, async (app, store, cache) => {
    await app.register(adminSecrets, { store, resolver: cache, adminToken: '' })
  })
  t.equal((await call({ method: 'GET', url: '/admin/secrets', headers: { authorization: 'Bearer ' } })).statusCode, 401)
  t.equal((await call({ method: 'GET', url: '/admin/secrets', headers: { authorization: 'Bearer x' } })).statusCode, 401)
})

t.test('an app that registered conduit-admin-auth itself keeps it (as plugins/app.ts does)', async t => {
  const { call } = await harness(t, async (app, store, cache) => {
    await app.register(adminAuth, { adminToken: 'other-token' })
    await app.register(adminSecrets, { store, resolver: cache, adminToken: 'ignored' })
  })
  t.equal((await call({ method: 'GET', url: '/admin/variables', headers: { authorization: 'Bearer other-token' } })).statusCode, 200)
  t.equal((await call({ method: 'GET', url: '/admin/variables', headers: { authorization: 'Bearer ignored' } })).statusCode, 401)
})

t.test('secrets: create 201, list masked, replace 200, delete 204, unknown 404', async t => {
  const { call, store } = await harness(t)
  let res = await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'api_key', value: 'sk_live_abcdef' } })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { name: 'api_key', value: 's••••••••' })
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'pin', value: '7' } })
  res = await call({ method: 'GET', url: '/admin/secrets', headers: AUTH })
  t.equal(res.statusCode, 200)
  t.same(res.json(), [{ name: 'api_key', value: 's••••••••' }, { name: 'pin', value: '••••••••' }])
  res = await call({ method: 'PUT', url: '/admin/secrets/api_key', headers: AUTH, payload: { value: 'rotated_value' } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { name: 'api_key', value: 'r••••••••' })
  t.equal(await store.get('secret', 'api_key'), 'rotated_value')
  res = await call({ method: 'DELETE', url: '/admin/secrets/api_key', headers: AUTH })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
  t.equal(await store.get('secret', 'api_key'), undefined)
  for (const [method, payload] of [['PUT', { value: 'x' }], ['DELETE', undefined]] as const) {
    res = await call({ method, url: '/admin/secrets/api_key', headers: AUTH, payload })
    t.equal(res.statusCode, 404)
    t.match(envelope(res), { success: false, code: 'NOT_FOUND', detail: "Secret 'api_key' not found" })
  }
})

t.test('variables: the same routes with values shown', async t => {
  const { call } = await harness(t)
  let res = await call({ method: 'POST', url: '/admin/variables', headers: AUTH, payload: { name: 'base_url', value: 'https://api.example.com' } })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { name: 'base_url', value: 'https://api.example.com' })
  res = await call({ method: 'PUT', url: '/admin/variables/base_url', headers: AUTH, payload: { value: 'https://eu.example.com' } })
  t.same(res.json(), { name: 'base_url', value: 'https://eu.example.com' })
  t.same((await call({ method: 'GET', url: '/admin/variables', headers: AUTH })).json(), [{ name: 'base_url', value: 'https://eu.example.com' }])
  t.equal((await call({ method: 'DELETE', url: '/admin/variables/base_url', headers: AUTH })).statusCode, 204)
  res = await call({ method: 'DELETE', url: '/admin/variables/base_url', headers: AUTH })
  t.equal(res.statusCode, 404)
  t.match(envelope(res), { code: 'NOT_FOUND', detail: "Variable 'base_url' not found" })
})

t.test('every naming example of SPEC §5, for both kinds', async t => {
  const { call } = await harness(t)
  for (const [kind, label] of [['secrets', 'secret'], ['variables', 'variable']] as const) {
    for (const name of ['api_key', 'oauth_client_id', 'salesforce_client_secret', 'webhook_secret_key']) {
      const res = await call({ method: 'POST', url: `/admin/${kind}`, headers: AUTH, payload: { name: kind === 'secrets' ? name : `${name}_v`, value: 'value1' } })
      t.equal(res.statusCode, 201, `${name} is accepted as a ${label} name`)
    }
    for (const name of ['api-key', 'api key', '123key', 'api@key']) {
      const res = await call({ method: 'POST', url: `/admin/${kind}`, headers: AUTH, payload: { name, value: 'value1' } })
      t.equal(res.statusCode, 400, `${name} is refused`)
      t.match(envelope(res), { success: false, code: 'INVALID_NAME', detail: `Invalid ${label} name` })
    }
    let res = await call({ method: 'POST', url: `/admin/${kind}`, headers: AUTH, payload: { name: 'empty_one', value: '' } })
    t.equal(res.statusCode, 400)
    t.match(envelope(res), { code: 'EMPTY_VALUE', detail: `Empty ${label} value` })
    res = await call({ method: 'PUT', url: `/admin/${kind}/${kind === 'secrets' ? 'api_key' : 'api_key_v'}`, headers: AUTH, payload: { value: '   ' } })
    t.equal(res.statusCode, 400)
    t.match(envelope(res), { code: 'EMPTY_VALUE', detail: `Empty ${label} value` })
    res = await call({ method: 'POST', url: `/admin/${kind}`, headers: AUTH, payload: { name: 'oauth_client_id', value: 'again' } })
    t.equal(res.statusCode, 409, 'duplicate within a kind or across kinds')
    t.match(envelope(res), { code: 'DUPLICATE_NAME', detail: `Duplicate ${label} name` })
  }
  const res = await call({ method: 'POST', url: '/admin/variables', headers: AUTH, payload: { name: 'API_KEY', value: 'case matters' } })
  t.equal(res.statusCode, 201, 'names are case-sensitive')
})

t.test('malformed bodies are 400 INVALID_REQUEST naming the problem, never echoing the body', async t => {
  const { call } = await harness(t)
  const cases: Array<[string, string, string | undefined, string]> = [
    ['POST', '/admin/secrets', '{"name":"api_key","value":"sk_live_in_broken_json"', 'The request body is not valid JSON'],
    ['POST', '/admin/secrets', '[1,2]', 'The request body must be a JSON object'],
    ['POST', '/admin/secrets', '{"value":"v"}', "Missing field 'name'"],
    ['POST', '/admin/secrets', '{"name":"a"}', "Missing field 'value'"],
    ['POST', '/admin/secrets', '{"name":"a","value":42}', "Field 'value' must be a string"],
    ['PUT', '/admin/variables/x', '{"value":{"nested":"sk_live_nested"}}', "Field 'value' must be a string"],
    ['POST', '/admin/variables', '', "The request body is empty but Content-Type is 'application/json'"]
  ]
  for (const [method, url, payload, detail] of cases) {
    const res = await call({ method: method as 'POST', url, headers: { ...AUTH, 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, `${method} ${url} ${payload}`)
    t.match(envelope(res), { success: false, code: 'INVALID_REQUEST', detail })
    t.notMatch(res.body, /sk_live/)
  }
  const res = await call({ method: 'POST', url: '/admin/secrets', headers: { ...AUTH, 'content-type': 'application/xml' }, payload: '<name>api_key</name>' })
  t.equal(res.statusCode, 415)
  t.match(envelope(res), { code: 'UNSUPPORTED_MEDIA_TYPE' })
})

t.test('writes invalidate the cache at once', async t => {
  const { call, cache } = await harness(t)
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'api_key', value: 'first_value' } })
  t.equal(await cache.get('secret', 'api_key'), 'first_value')
  await call({ method: 'PUT', url: '/admin/secrets/api_key', headers: AUTH, payload: { value: 'second_value' } })
  t.equal(await cache.get('secret', 'api_key'), 'second_value', 'well within the TTL, the new value is served')
  await call({ method: 'DELETE', url: '/admin/secrets/api_key', headers: AUTH })
  t.same((await cache.resolve(['api_key'], [])).missingSecrets, ['api_key'])
  t.same((await cache.resolve([], ['later'])).missingVariables, ['later'])
  await call({ method: 'POST', url: '/admin/variables', headers: AUTH, payload: { name: 'later', value: 'now' } })
  t.same((await cache.resolve([], ['later'])).variables, { later: 'now' }, 'a negative entry is dropped too')
})

t.test('a store outage is a 503 envelope', async t => {
  const { call, store } = await harness(t, async (app, store, cache) => {
    await app.register(adminSecrets, { store, resolver: cache, adminToken: ADMIN })
  })
  store.list = async () => { throw new (await import('../../src/errors.js')).ConduitError('SECRET_STORE_UNAVAILABLE', 'Vault is sealed or unavailable (HTTP 503) while listing secrets') }
  const res = await call({ method: 'GET', url: '/admin/secrets', headers: AUTH })
  t.equal(res.statusCode, 503)
  t.same(res.json().errors, { code: 'SECRET_STORE_UNAVAILABLE', detail: 'Vault is sealed or unavailable (HTTP 503) while listing secrets', scope: 'Secrets (store unavailable)' })
})

t.test('leaks: no secret value in any admin response or log line, even at trace level', async t => {
  const { call, logs, responses } = await harness(t)
  const values = ['sk_live_leakcheck_1', 'p@ss "quoted" value', 'ab']
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'one', value: values[0] } })
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'two', value: values[1] } })
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'three', value: values[2] } })
  await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'one', value: values[0] } })
  await call({ method: 'POST', url: '/admin/variables', headers: AUTH, payload: { name: 'one', value: values[0] } })
  await call({ method: 'PUT', url: '/admin/secrets/two', headers: AUTH, payload: { value: values[1] } })
  await call({ method: 'PUT', url: '/admin/secrets/ghost', headers: AUTH, payload: { value: values[0] } })
  await call({ method: 'POST', url: '/admin/secrets', headers: { ...AUTH, 'content-type': 'application/json' }, payload: `{"name":"x","value":"${values[0]}"` })
  await call({ method: 'GET', url: '/admin/secrets', headers: AUTH })
  t.ok(logs.length > 0, 'requests were logged')
  const seen = responses.join('\n') + logs.join('')
  for (const value of [values[0], values[1], JSON.stringify(values[1]).slice(1, -1)]) {
    t.notOk(seen.includes(value as string), `${value} never appears`)
  }
  t.notOk(responses.join('\n').includes('"ab"'))
})

t.test('the log redactor learns values only once stored, and a short value never mangles free text', async t => {
  const { call, cache, app, logs } = await harness(t)
  // A rejected write (a duplicate name) must not teach the redactor its value.
  t.equal((await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'dup', value: 'first-stored-value' } })).statusCode, 201)
  t.equal((await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'dup', value: 'rejected-value' } })).statusCode, 409)
  t.equal((await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'bad name!', value: 'e' } })).statusCode, 400)
  t.equal((await call({ method: 'PUT', url: '/admin/secrets/missing', headers: AUTH, payload: { value: 'x' } })).statusCode, 404)
  const known = [...cache.knownSecretValues()]
  t.same(known, ['first-stored-value'], 'only the stored value is known')

  // A stored one-letter secret: free text keeps its letters, a field holding exactly it is masked.
  t.equal((await call({ method: 'POST', url: '/admin/secrets', headers: AUTH, payload: { name: 'tiny', value: 'e' } })).statusCode, 201)
  logs.length = 0
  app.log.info({ field: 'e', other: 'first-stored-value' }, 'execute the request')
  await new Promise(resolve => setImmediate(resolve))
  const line = JSON.parse(logs.join(''))
  t.equal(line.msg, 'execute the request', 'no e[REDACTED]ecute')
  t.equal(line.field, '[REDACTED]', 'a field that is exactly the short secret is masked')
  t.equal(line.other, '[REDACTED]')
})
