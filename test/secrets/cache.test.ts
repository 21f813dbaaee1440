import t from 'tap'
import { SecretCache } from '../../src/secrets/cache.js'
import { ConduitError } from '../../src/errors.js'
import type { EntryKind, SecretStore, StoreEntry } from '../../src/secrets/types.js'

// A SecretStore in memory that counts reads and can be switched off.
class MemoryStore implements SecretStore {
  readonly backend = 'file' as const
  readonly data: Record<EntryKind, Map<string, string>> = { secret: new Map(), variable: new Map() }
  reads = 0
  down = false
  /** When set, get() waits for it: lets a test hold reads in flight. */
  gate: Promise<void> | undefined

  async get (kind: EntryKind, name: string): Promise<string | undefined> {
    this.reads++
    // The answer is fixed when the read starts, like a real store's response in flight.
    const value = this.data[kind].get(name)
    if (this.gate !== undefined) await this.gate
    if (this.down) throw new ConduitError('SECRET_STORE_UNAVAILABLE', 'Vault unreachable (ECONNREFUSED) while reading')
    return value
  }

  async list (kind: EntryKind): Promise<StoreEntry[]> {
    return [...this.data[kind]].map(([name, value]) => ({ name, value }))
  }

  async create (kind: EntryKind, name: string, value: string): Promise<void> { this.data[kind].set(name, value) }
  async update (kind: EntryKind, name: string, value: string): Promise<void> { this.data[kind].set(name, value) }
  async delete (kind: EntryKind, name: string): Promise<void> { this.data[kind].delete(name) }
  async ping (): Promise<void> {}
  async close (): Promise<void> {}
}

class Clock {
  ms = 1_000_000
  now = (): number => this.ms
  advance (seconds: number): void { this.ms += seconds * 1000 }
}

const OPTS = { ttlSeconds: 60, negativeTtlSeconds: 5, staleIfErrorSeconds: 3600, maxEntries: 100 }

function setup (opts: Partial<typeof OPTS> = {}): { store: MemoryStore, clock: Clock, cache: SecretCache } {
  const store = new MemoryStore()
  const clock = new Clock()
  const cache = new SecretCache(store, { ...OPTS, ...opts, now: clock.now })
  return { store, clock, cache }
}

t.test('resolve returns values and missing names of both kinds', async t => {
  const { store, cache } = setup()
  store.data.secret.set('api_key', 'sk_1')
  store.data.variable.set('region', 'eu')
  const r = await cache.resolve(['api_key', 'nope'], ['region', 'gone'])
  t.same(r, { secrets: { api_key: 'sk_1' }, variables: { region: 'eu' }, missingSecrets: ['nope'], missingVariables: ['gone'] })
})

t.test('100 concurrent resolves of one cold name make exactly one store read', async t => {
  const { store, cache } = setup()
  store.data.secret.set('api_key', 'sk_1')
  const results = await Promise.all(Array.from({ length: 100 }, () => cache.resolve(['api_key'], [])))
  t.equal(store.reads, 1)
  t.ok(results.every(r => r.secrets.api_key === 'sk_1'))
})

t.test('a value is served from cache for the TTL, then re-read (rotation is seen)', async t => {
  const { store, clock, cache } = setup()
  store.data.secret.set('api_key', 'old')
  t.equal(await cache.get('secret', 'api_key'), 'old')
  store.data.secret.set('api_key', 'new')
  clock.advance(59)
  t.equal(await cache.get('secret', 'api_key'), 'old')
  t.equal(cache.peek('secret', 'api_key'), 'old', 'peek sees the fresh entry')
  clock.advance(1)
  t.equal(cache.peek('secret', 'api_key'), undefined, 'peek reports an expired entry as unknown')
  t.equal(await cache.get('secret', 'api_key'), 'new')
  t.equal(store.reads, 2)
})

t.test('a missing name is remembered for the negative TTL only', async t => {
  const { store, clock, cache } = setup()
  t.same((await cache.resolve(['later'], [])).missingSecrets, ['later'])
  t.equal(cache.peek('secret', 'later'), null)
  store.data.secret.set('later', 'v')
  clock.advance(4)
  t.same((await cache.resolve(['later'], [])).missingSecrets, ['later'])
  t.equal(store.reads, 1)
  clock.advance(1)
  t.same((await cache.resolve(['later'], [])).secrets, { later: 'v' })
  t.equal(store.reads, 2)
})

t.test('stale-if-error: a cached value is served while the store is down, up to the window, then 503', async t => {
  const { store, clock, cache } = setup({ ttlSeconds: 60, staleIfErrorSeconds: 600 })
  store.data.secret.set('api_key', 'sk_1')
  await cache.get('secret', 'api_key')
  store.down = true
  clock.advance(61)
  t.same((await cache.resolve(['api_key'], [])).secrets, { api_key: 'sk_1' })
  clock.advance(600 - 61)
  t.equal(await cache.get('secret', 'api_key'), 'sk_1', 'exactly at the window edge')
  clock.advance(1)
  await t.rejects(cache.resolve(['api_key'], []), { code: 'SECRET_STORE_UNAVAILABLE', status: 503 })
  store.down = false
  t.equal(await cache.get('secret', 'api_key'), 'sk_1', 'recovers when the store is back')
})

t.test('no cached value and the store down is SECRET_STORE_UNAVAILABLE', async t => {
  const { store, cache } = setup()
  store.down = true
  await t.rejects(cache.resolve(['api_key'], ['region']), { code: 'SECRET_STORE_UNAVAILABLE', status: 503 })
  store.down = false
  t.same((await cache.resolve(['api_key'], [])).missingSecrets, ['api_key'], 'errors are not cached')
})

t.test('a missing name cached earlier is not served stale when the store is down', async t => {
  const { store, clock, cache } = setup()
  await cache.get('secret', 'nope')
  store.down = true
  clock.advance(6)
  await t.rejects(cache.get('secret', 'nope'), { code: 'SECRET_STORE_UNAVAILABLE' })
})

t.test('invalidate makes the next lookup read the store, even if a read was in flight', async t => {
  const { store, cache } = setup()
  store.data.secret.set('api_key', 'old')
  let open!: () => void
  store.gate = new Promise(resolve => { open = resolve })
  const inflight = cache.get('secret', 'api_key')
  store.data.secret.set('api_key', 'new')
  cache.invalidate('secret', 'api_key')
  const fresh = cache.get('secret', 'api_key')
  open()
  store.gate = undefined
  t.equal(await inflight, 'old', 'the read that started before the write answers its own waiters')
  t.equal(await fresh, 'new')
  t.equal(await cache.get('secret', 'api_key'), 'new', 'the superseded read did not overwrite the entry')
  t.equal(store.reads, 2)
})

t.test('markStale forces a re-read but keeps the value for stale-if-error', async t => {
  const { store, cache } = setup()
  store.data.secret.set('api_key', 'old')
  await cache.get('secret', 'api_key')
  store.data.secret.set('api_key', 'rotated')
  cache.markStale(['api_key', 'unknown'])
  t.equal(cache.peek('secret', 'api_key'), undefined)
  t.equal(await cache.get('secret', 'api_key'), 'rotated')
  cache.markStale(['api_key'])
  store.down = true
  t.equal(await cache.get('secret', 'api_key'), 'rotated', 'store down: the stale-marked value still serves')
})

t.test('the LRU bound evicts the least recently used name', async t => {
  const { store, cache } = setup({ maxEntries: 2 })
  for (const n of ['a', 'b', 'c']) store.data.secret.set(n, n + '_value')
  await cache.get('secret', 'a')
  await cache.get('secret', 'b')
  await cache.get('secret', 'a')
  await cache.get('secret', 'c')
  t.equal(cache.size, 2)
  t.equal(cache.peek('secret', 'a'), 'a_value')
  t.equal(cache.peek('secret', 'b'), undefined, 'b was least recently used')
  t.equal(cache.peek('secret', 'c'), 'c_value')
})

t.test('secrets and variables with one name are distinct entries', async t => {
  const { store, cache } = setup()
  store.data.variable.set('x', 'var')
  t.equal(await cache.get('variable', 'x'), 'var')
  t.equal(await cache.get('secret', 'x'), undefined)
})

t.test('knownSecretValues holds resolved secrets and remembered writes, never variables', async t => {
  const { store, cache } = setup()
  store.data.secret.set('api_key', 'sk_1')
  store.data.variable.set('region', 'eu-west')
  await cache.resolve(['api_key'], ['region'])
  cache.rememberSecretValue('written-by-admin')
  t.same([...cache.knownSecretValues()].sort(), ['sk_1', 'written-by-admin'])
})

t.test('resolveCached answers synchronously only when every name is fresh, like resolve would', async t => {
  const { store, clock, cache } = setup()
  store.data.secret.set('a', 'A')
  store.data.variable.set('v', 'V')
  t.equal(cache.resolveCached(['a', 'gone'], ['v']), undefined, 'nothing cached yet')
  t.equal(store.reads, 0, 'a miss reads nothing')
  const viaResolve = await cache.resolve(['a', 'gone'], ['v'])
  const reads = store.reads
  t.same(cache.resolveCached(['a', 'gone'], ['v']), viaResolve)
  t.same(viaResolve, { secrets: { a: 'A' }, variables: { v: 'V' }, missingSecrets: ['gone'], missingVariables: [] })
  t.equal(store.reads, reads, 'no store read for a full hit')
  clock.advance(6)
  t.equal(cache.resolveCached(['a', 'gone'], ['v']), undefined, 'the negative TTL ran out for one name')
  t.ok(cache.resolveCached(['a'], ['v']) !== undefined)
  cache.markStale(['a'])
  t.equal(cache.resolveCached(['a'], []), undefined, 'a stale name is read again')
  clock.advance(60)
  t.equal(cache.resolveCached([], ['v']), undefined, 'past the TTL')
})
