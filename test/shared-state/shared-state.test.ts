// Shared state across replicas (SPEC §19) against a real redis-server: two "replicas" are two
// connections with their own caches in one test process.
import t from 'tap'
import { TokenCache } from '../../src/auth/token-cache.js'
import { SecretCache } from '../../src/secrets/cache.js'
import { Redis } from 'ioredis'
import { INVALIDATION_CHANNEL, connectRedis, createSharedState } from '../../src/shared-state/index.js'
import type { SharedState } from '../../src/shared-state/index.js'
import { MemoryStore } from '../plugins/fixtures/memory-store.js'
import { startRedis } from './fixtures/redis.js'
import type { RedisServer } from './fixtures/redis.js'

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

async function until (what: string, check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

interface Replica {
  cache: SecretCache
  tokens: TokenCache
  shared: SharedState
  log: string[]
}

let redis: RedisServer
const store = new MemoryStore()
const replicas: Replica[] = []

async function replica (): Promise<Replica> {
  const log: string[] = []
  const cache = new SecretCache(store, { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 100 })
  const connection = connectRedis(redis.url, { info: m => log.push(`info ${m}`), warn: m => log.push(`warn ${m}`) }, { commandTimeoutMs: 300 })
  const shared = createSharedState(connection, { secrets: cache, tokenLockMs: 2000 })
  t.ok(await connection.ready(5000), 'connected')
  await shared.invalidation.subscribed
  const r = { cache, tokens: new TokenCache({ shared: shared.tokens }), shared, log }
  replicas.push(r)
  return r
}

t.before(async () => { redis = await startRedis() })
t.teardown(async () => {
  for (const r of replicas) await r.shared.close()
  await redis.stop()
})

t.test('a write on one replica is dropped by the other within one second, and no message carries a value', async t => {
  const a = await replica()
  const b = await replica()
  const listener = new Redis(redis.url)
  const messages: string[] = []
  listener.on('message', (_channel: string, text: string) => messages.push(text))
  await listener.subscribe(INVALIDATION_CHANNEL)
  t.teardown(() => { listener.disconnect() })
  store.data.secret.set('api_key', 'old-value')
  t.equal(await b.cache.get('secret', 'api_key'), 'old-value')
  t.equal(await a.cache.get('secret', 'api_key'), 'old-value')

  store.data.secret.set('api_key', 'new-value')
  const started = Date.now()
  a.cache.invalidate('secret', 'api_key') // what the admin API does after a write
  await until('replica B to re-read', async () => await b.cache.get('secret', 'api_key') === 'new-value', 1000)
  t.ok(Date.now() - started < 1000, `dropped within ${Date.now() - started} ms`)
  t.equal(await a.cache.get('secret', 'api_key'), 'new-value', 'the writer reads the new value at once')
  t.equal(b.shared.stats().fallbacks, 0)
  await until('the message to reach the listener', () => messages.length === 1)
  t.match(messages[0], /api_key/)
  t.notMatch(messages.join('\n'), /value/, 'names only')
})

t.test('100 concurrent misses across two replicas make one token request', async t => {
  const [a, b] = [await replica(), await replica()]
  let requests = 0
  const fetch = async (): Promise<{ accessToken: string, ttlSeconds: number }> => {
    requests++
    await sleep(100)
    return { accessToken: `tok-${requests}`, ttlSeconds: 300 }
  }
  const tokens = await Promise.all(Array.from({ length: 100 }, async (_, i) => await (i % 2 === 0 ? a : b).tokens.get('cred-1', fetch)))
  t.equal(requests, 1, 'one token request')
  t.same(new Set(tokens), new Set(['tok-1']), 'every call got that token')

  const c = await replica()
  t.equal(await c.tokens.get('cred-1', fetch), 'tok-1', 'a replica started later reuses it')
  t.equal(requests, 1)

  a.tokens.evict('cred-1', 'tok-1') // the upstream answered 401
  await sleep(50)
  t.equal(await c.tokens.get('cred-1', fetch), 'tok-1', 'C still holds its local copy')
  t.equal(await b.tokens.get('cred-2', fetch), 'tok-2', 'another credential is its own token')
  const d = await replica()
  t.equal(await d.tokens.get('cred-1', fetch), 'tok-3', 'after the 401 eviction the shared token is gone')
})

t.test('a failed token request under the lock lets the next replica try', async t => {
  const [a, b] = [await replica(), await replica()]
  let calls = 0
  const failing = async (): Promise<{ accessToken: string, ttlSeconds: number }> => {
    calls++
    await sleep(50)
    if (calls === 1) throw new Error('token endpoint said 500')
    return { accessToken: 'second-try', ttlSeconds: 300 }
  }
  // Whichever replica takes the lock first sees the failure; the other then makes its own request.
  const settled = await Promise.allSettled([a.tokens.get('cred-f', failing), b.tokens.get('cred-f', failing)])
  t.same(settled.map(r => r.status).sort(), ['fulfilled', 'rejected'])
  t.same(settled.find(r => r.status === 'fulfilled'), { status: 'fulfilled', value: 'second-try' })
  t.equal(calls, 2)
})

t.test('rate-limit counters and cache entries are shared', async t => {
  const [a, b] = [await replica(), await replica()]
  const StoreA = a.shared.rateLimitStore
  const StoreB = b.shared.rateLimitStore
  const route = { routeInfo: { method: 'GET', url: '/connectors/:p/execute' } }
  const sa = new StoreA({}).child(route)
  const sb = new StoreB({}).child(route)
  const incr = async (s: typeof sa): Promise<{ current: number, ttl: number }> => await new Promise((resolve, reject) => {
    s.incr('caller-1', (err, res) => { if (err !== null || res === null) reject(err); else resolve(res) }, 60_000, 3)
  })
  t.equal((await incr(sa)).current, 1)
  t.equal((await incr(sb)).current, 2)
  const third = await incr(sa)
  t.equal(third.current, 3)
  t.ok(third.ttl > 0 && third.ttl <= 60_000, 'the window remaining')

  const localA = new Map<string, Buffer>()
  const local = { get: (k: string) => localA.get(k), set: (k: string, v: Buffer) => { localA.set(k, v) }, delete: (k: string) => { localA.delete(k) } }
  const ca = a.shared.cacheStore({ local, maxEntryBytes: 16 })
  const cb = b.shared.cacheStore({ local: { get: () => undefined, set: () => {}, delete: () => {} } })
  await ca.set('entry', Buffer.from('body bytes'), 60_000)
  t.equal((await cb.get('entry'))?.toString(), 'body bytes', 'stored by A, read by B')
  await ca.set('big', Buffer.alloc(17), 60_000)
  t.equal(await cb.get('big'), undefined, 'entries above maxEntryBytes are not stored')
  await cb.delete('entry')
  t.equal(await ca.get('entry'), undefined)
  t.equal(localA.size, 0, 'the local store is not used while Redis answers')
})

t.test('Redis down: local fallback, logged once, counted; back: sharing resumes', async t => {
  const [a, b] = [await replica(), await replica()]
  store.data.secret.set('outage', 'v1')
  t.equal(await b.cache.get('secret', 'outage'), 'v1')

  await redis.kill()
  await until('both replicas to see the outage', () => !a.shared.connection.available() && !b.shared.connection.available())

  let requests = 0
  const fetch = async (): Promise<{ accessToken: string, ttlSeconds: number }> => ({ accessToken: `local-${++requests}`, ttlSeconds: 300 })
  t.equal(await a.tokens.get('cred-outage', fetch), 'local-1', 'tokens are requested locally')
  t.equal(await b.tokens.get('cred-outage', fetch), 'local-2', 'each replica on its own')
  const RateLimitStore = a.shared.rateLimitStore
  const rl = new RateLimitStore({})
  const counted = await new Promise<number>(resolve => { rl.incr('k', (_e, r) => resolve(r?.current ?? -1), 1000, 5) })
  t.equal(counted, 1, 'rate limits count locally')

  store.data.secret.set('outage', 'v2')
  a.cache.invalidate('secret', 'outage') // cannot be published now
  for (let i = 0; i < 5; i++) await a.tokens.get(`more-${i}`, fetch)
  const stats = a.shared.stats()
  t.equal(stats.up, false)
  t.ok(stats.fallbacks >= 5, `fallbacks counted (${stats.fallbacks})`)
  t.equal(stats.outages, 1, 'one outage')
  t.equal(a.log.filter(l => l.startsWith('warn Redis is unreachable')).length, 1, 'logged once')

  await redis.start()
  await until('both replicas to reconnect', () => a.shared.connection.available() && b.shared.connection.available(), 5000)
  t.equal(a.log.filter(l => l.includes('reachable again')).length, 1, 'the recovery is logged once')
  await until('B to re-read the name written during the outage', async () => await b.cache.get('secret', 'outage') === 'v2', 2000)
  const again = await Promise.all([a.tokens.get('cred-after', fetch), b.tokens.get('cred-after', fetch)])
  t.equal(again[0], again[1], 'one shared token again')
})

t.test('Studio sessions: one replica signs in, the other finds the session; Redis holds no session id and expires the record', async t => {
  const { SessionStore } = await import('../../src/studio/sessions.js')
  const a = await replica()
  const b = await replica()
  const sessionsA = new SessionStore({ shared: a.shared.sessions, ttlMs: 60_000 })
  const sessionsB = new SessionStore({ shared: b.shared.sessions, ttlMs: 60_000 })
  const s = await sessionsA.create()
  t.same(await sessionsB.get(s.id), s)
  const raw = new Redis(redis.url)
  t.teardown(() => { raw.disconnect() })
  const keys = await raw.keys('conduit:studio-session:*')
  t.equal(keys.length, 1)
  t.notMatch(keys[0], s.id, 'the key is a digest')
  const ttl = await raw.pttl(keys[0] as string)
  t.ok(ttl > 0 && ttl <= 60_000, `the record expires with the session (${ttl} ms left)`)
  await sessionsB.delete(s.id)
  t.same(await raw.keys('conduit:studio-session:*'), [])
})
