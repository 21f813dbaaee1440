import t from 'tap'
import { TokenCache, tokenCacheKey } from '../../src/auth/token-cache.js'
import type { FetchedToken } from '../../src/auth/token-cache.js'

function fakeClock (start = 1_000_000): { now: () => number, advance: (ms: number) => void } {
  let now = start
  return { now: () => now, advance: (ms) => { now += ms } }
}

/** A fetch that counts its calls and hands out token-1, token-2, … */
function counter (ttlSeconds = 100): { fetch: () => Promise<FetchedToken>, calls: () => number } {
  let calls = 0
  return {
    fetch: async () => {
      calls++
      await new Promise(resolve => setImmediate(resolve))
      return { accessToken: `token-${calls}`, ttlSeconds }
    },
    calls: () => calls
  }
}

t.test('a token is reused until its ttl has passed, then fetched again', async t => {
  const clock = fakeClock()
  const cache = new TokenCache({ clock: clock.now })
  const c = counter(100)
  t.equal(await cache.get('k', c.fetch), 'token-1')
  clock.advance(99_999)
  t.equal(await cache.get('k', c.fetch), 'token-1')
  t.equal(c.calls(), 1)
  clock.advance(1)
  t.equal(await cache.get('k', c.fetch), 'token-2')
  t.equal(c.calls(), 2)
})

t.test('100 concurrent misses make one fetch and all get its token', async t => {
  const cache = new TokenCache()
  const c = counter()
  const tokens = await Promise.all(Array.from({ length: 100 }, async () => await cache.get('k', c.fetch)))
  t.equal(c.calls(), 1)
  t.same(new Set(tokens), new Set(['token-1']))
})

t.test('a failed fetch reaches every waiter, is not cached, and the next call retries', async t => {
  const cache = new TokenCache()
  let calls = 0
  const failing = async (): Promise<FetchedToken> => {
    calls++
    await new Promise(resolve => setImmediate(resolve))
    throw new Error('token endpoint down')
  }
  const results = await Promise.allSettled([cache.get('k', failing), cache.get('k', failing), cache.get('k', failing)])
  t.equal(calls, 1)
  t.ok(results.every(r => r.status === 'rejected' && (r.reason as Error).message === 'token endpoint down'))
  const c = counter()
  t.equal(await cache.get('k', c.fetch), 'token-1')
  t.equal(cache.size, 1)
})

t.test('evict forgets the token so the next request fetches a new one', async t => {
  const cache = new TokenCache()
  const c = counter()
  await cache.get('k', c.fetch)
  cache.evict('k')
  t.equal(await cache.get('k', c.fetch), 'token-2')
  t.equal(c.calls(), 2)
})

t.test('evict with a stale token keeps the fresher cached one', async t => {
  const cache = new TokenCache()
  const c = counter()
  await cache.get('k', c.fetch)
  cache.evict('k', 'token-0')
  t.equal(await cache.get('k', c.fetch), 'token-1')
  cache.evict('k', 'token-1')
  t.equal(await cache.get('k', c.fetch), 'token-2')
})

t.test('a zero or negative ttl is never cached (but concurrent callers still share the fetch)', async t => {
  for (const ttl of [0, -30, Number.NaN]) {
    const cache = new TokenCache()
    const c = counter(ttl)
    const both = await Promise.all([cache.get('k', c.fetch), cache.get('k', c.fetch)])
    t.same(both, ['token-1', 'token-1'])
    t.equal(await cache.get('k', c.fetch), 'token-2', `ttl ${ttl} not reused`)
    t.equal(cache.size, 0)
  }
})

t.test('the cache is bounded and drops the least recently used token', async t => {
  const cache = new TokenCache({ maxEntries: 2 })
  const fetchFor = (name: string) => async (): Promise<FetchedToken> => ({ accessToken: name, ttlSeconds: 100 })
  await cache.get('a', fetchFor('A1'))
  await cache.get('b', fetchFor('B1'))
  await cache.get('a', fetchFor('A2')) // touch a: b is now the oldest
  await cache.get('c', fetchFor('C1'))
  t.equal(cache.size, 2)
  t.equal(await cache.get('a', fetchFor('A3')), 'A1')
  t.equal(await cache.get('c', fetchFor('C2')), 'C1')
  t.equal(await cache.get('b', fetchFor('B2')), 'B2', 'b was dropped')
})

t.test('different keys hold different tokens; clear empties the cache', async t => {
  const cache = new TokenCache()
  const c = counter()
  t.equal(await cache.get('one', c.fetch), 'token-1')
  t.equal(await cache.get('two', c.fetch), 'token-2')
  t.equal(await cache.get('one', c.fetch), 'token-1')
  cache.clear()
  t.equal(cache.size, 0)
  t.equal(await cache.get('one', c.fetch), 'token-3')
})

t.test('tokenCacheKey is an opaque digest that changes with every part', async t => {
  const secret = 'super-secret-client-secret'
  const key = tokenCacheKey(['client_credentials', 'https://auth.example.com/token', 'client', secret, 'read'])
  t.match(key, /^[0-9a-f]{64}$/)
  t.notOk(key.includes(secret))
  t.equal(key, tokenCacheKey(['client_credentials', 'https://auth.example.com/token', 'client', secret, 'read']))
  t.not(key, tokenCacheKey(['client_credentials', 'https://auth.example.com/token', 'client', secret, 'write']))
  t.not(key, tokenCacheKey(['client_credentials', 'https://auth.example.com/token', 'client', 'other', 'read']))
  // Parts are delimited: moving a character between parts changes the key.
  t.not(tokenCacheKey(['ab', 'c']), tokenCacheKey(['a', 'bc']))
})
