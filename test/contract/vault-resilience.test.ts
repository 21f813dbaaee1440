// Vault behind the request-time cache: rotation seen after the TTL, outages ridden out for the
// stale-if-error window, and no secret value or token in any log line or error along the way.
import { Writable } from 'node:stream'
import nock from 'nock'
import t from 'tap'
import { SecretCache } from '../../src/secrets/cache.js'
import { createLogger } from '../../src/secrets/logger.js'
import { VaultSecretStore } from '../../src/secrets/vault-store.js'
import type { VaultSettings } from '../../src/secrets/vault-store.js'

const VAULT = 'http://vault.test:8200'
const TOKEN = 'hvs.resilience-token-42'
const SETTINGS: VaultSettings = { address: VAULT, mount: 'secret', prefix: 'conduit', timeoutMs: 100, auth: { method: 'token', token: TOKEN } }
const CACHE = { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 300, maxEntries: 100 }

function kvRead (value: string, version: number): object {
  return { data: { data: { value }, metadata: { created_time: '2018-03-22T02:24:06.945319214Z', deletion_time: '', destroyed: false, version } } }
}

function vault (): nock.Scope {
  return nock(VAULT, { reqheaders: { 'x-vault-token': TOKEN } })
}

function setup (): { cache: SecretCache, store: VaultSecretStore, clock: { ms: number } } {
  const clock = { ms: 10_000_000 }
  vault().get('/v1/auth/token/lookup-self').reply(200, { data: { ttl: 0, renewable: false } })
  const store = new VaultSecretStore(SETTINGS, { now: () => clock.ms })
  return { cache: new SecretCache(store, { ...CACHE, now: () => clock.ms }), store, clock }
}

/** Counts requests nock could not match: proof that the cache did not call Vault. */
function unmatched (): { count: number, stop: () => void } {
  const state = { count: 0, stop: () => { nock.emitter.removeListener('no match', onMiss) } }
  const onMiss = (): void => { state.count++ }
  nock.emitter.on('no match', onMiss)
  return state
}

t.before(() => { nock.disableNetConnect() })
t.afterEach(() => { nock.cleanAll() })
t.teardown(() => { nock.enableNetConnect() })

t.test('rotation: a value changed directly in Vault is seen once the TTL has passed', async t => {
  const { cache, clock } = setup()
  vault().get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_old_value', 1))
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_old_value' })

  const rotated = vault().get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_new_value', 2))
  clock.ms += 59_000
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_old_value' }, 'within the TTL: cached')
  t.notOk(rotated.isDone(), 'Vault was not asked')
  clock.ms += 1_000
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_new_value' })
  t.ok(rotated.isDone())
})

t.test('rotation after an upstream 401: markStale makes the next request re-read at once', async t => {
  const { cache } = setup()
  vault().get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_old_value', 1))
  await cache.resolve(['api_key'], [])
  const reread = vault().get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_new_value', 2))
  cache.markStale(['api_key'])
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_new_value' })
  t.ok(reread.isDone())
})

t.test('outage: cached values serve for the stale-if-error window, then 503', async t => {
  const { cache, clock } = setup()
  vault()
    .get('/v1/secret/data/conduit/secrets/api_key').reply(200, kvRead('sk_cached', 1))
    .get('/v1/secret/data/conduit/variables/base_url').reply(200, kvRead('https://api.example.com', 1))
  await cache.resolve(['api_key'], ['base_url'])

  // Vault goes down three different ways while the entries age past their TTL.
  const sealed = vault().get('/v1/secret/data/conduit/secrets/api_key').reply(503, { errors: ['Vault is sealed'] })
    .get('/v1/secret/data/conduit/variables/base_url').reply(503, { errors: ['Vault is sealed'] })
  clock.ms += 61_000
  t.same(await cache.resolve(['api_key'], ['base_url']), { secrets: { api_key: 'sk_cached' }, variables: { base_url: 'https://api.example.com' }, missingSecrets: [], missingVariables: [] })
  t.ok(sealed.isDone(), 'Vault was asked and failed')

  vault().get('/v1/secret/data/conduit/secrets/api_key').replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  clock.ms += 120_000
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_cached' })

  vault().get('/v1/secret/data/conduit/secrets/api_key').delay(1000).reply(200, kvRead('too-late', 2))
  clock.ms += 119_000
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_cached' }, 'a hung Vault times out and the cached value serves')

  vault().get('/v1/secret/data/conduit/secrets/api_key').reply(503, { errors: ['Vault is sealed'] })
  clock.ms += 1_000
  const err = await cache.resolve(['api_key'], []).then(() => undefined, (e: unknown) => e as Error)
  t.match(err, { code: 'SECRET_STORE_UNAVAILABLE', status: 503, message: "Vault is sealed or unavailable (HTTP 503) while reading secret 'api_key'" })
})

t.test('outage: a cold name with Vault down is 503 at once', async t => {
  const { cache } = setup()
  vault().get('/v1/secret/data/conduit/secrets/cold').replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  await t.rejects(cache.resolve(['cold'], []), { code: 'SECRET_STORE_UNAVAILABLE', message: "Vault unreachable (ECONNREFUSED) while reading secret 'cold'" })
})

t.test('100 concurrent requests for a cold name make one Vault read', async t => {
  const { cache } = setup()
  const miss = unmatched()
  t.teardown(miss.stop)
  const once = vault().get('/v1/secret/data/conduit/secrets/api_key').once().reply(200, kvRead('v', 1))
  const all = await Promise.all(Array.from({ length: 100 }, () => cache.resolve(['api_key'], [])))
  t.ok(all.every(r => r.secrets.api_key === 'v'))
  t.ok(once.isDone())
  t.equal(miss.count, 0, 'no second request was attempted')
})

t.test('leaks: logging every value-bearing event and error while secrets are used reveals none', async t => {
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _e, cb) { lines.push(chunk.toString()); cb() } })
  const { cache, store } = setup()
  const log = createLogger({ level: 'trace', destination, secretValues: () => [...cache.knownSecretValues(), TOKEN] })
  const SECRET_A = 'sk_live_5f3a9c1e'
  const SECRET_B = 'p@ss "word" / with spaces'
  vault()
    .get('/v1/secret/data/conduit/secrets/a').reply(200, kvRead(SECRET_A, 1))
    .get('/v1/secret/data/conduit/secrets/b').reply(200, kvRead(SECRET_B, 1))
    .get('/v1/secret/data/conduit/secrets/c').twice().reply(500, { errors: [`backend said ${SECRET_A} is bad`] })
  const resolved = await cache.resolve(['a', 'b'], [])
  // What careless code might log: the values, a header built from them, a URL, the whole object.
  log.info({ resolved }, 'resolved secrets')
  log.debug({ headers: { authorization: `Bearer ${SECRET_A}` }, url: `https://api.example.com/x?key=${encodeURIComponent(SECRET_B)}` }, 'outgoing request')
  log.trace(`token ${TOKEN} used for ${SECRET_B}`)
  const err = await cache.get('secret', 'c').then(() => undefined, (e: unknown) => e as Error)
  log.error({ err }, 'vault failure')
  const raw = await store.get('secret', 'c').then(() => undefined, (e: unknown) => e as Error)
  log.error({ err: raw }, 'vault failure straight from the store')
  await new Promise(resolve => setImmediate(resolve))
  const all = lines.join('')
  t.equal(lines.length, 5)
  for (const forbidden of [SECRET_A, SECRET_B, JSON.stringify(SECRET_B).slice(1, -1), encodeURIComponent(SECRET_B), TOKEN]) {
    t.notOk(all.includes(forbidden), `no ${JSON.stringify(forbidden)} in the logs`)
  }
  t.ok(all.includes('[REDACTED]'))
  t.equal(err?.message, "Vault answered HTTP 500: backend said [REDACTED] is bad while reading secret 'c'", 'the error the cache hands out is scrubbed too')
})
