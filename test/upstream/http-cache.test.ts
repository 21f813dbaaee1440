// The HTTP cache interceptor (SPEC §8) against a scripted upstream: what RFC 9111 says a shared
// cache does with max-age, no-store, private, no-cache, Vary, POST, 404 and validators.
import t from 'tap'
import { Readable } from 'node:stream'
import { cacheKey, httpCacheInterceptor, type CacheableRequest, type CacheableResponse } from '../../src/upstream/http-cache.js'
import { createMemoryCacheStore } from '../../src/upstream/http-cache-stores.js'
import { CallTiming } from '../../src/pipeline/timing.js'

interface Req extends CacheableRequest { timing: CallTiming }

interface Upstream {
  calls: Array<Record<string, string>>
  answer: (headers: Record<string, string>) => CacheableResponse
}

function setup (answer: Upstream['answer'], maxEntryBytes = 1024 * 1024): { send: (r?: Partial<Req>) => Promise<{ res: CacheableResponse, timing: CallTiming }>, upstream: Upstream, results: string[] } {
  const upstream: Upstream = { calls: [], answer }
  const results: string[] = []
  const store = createMemoryCacheStore({ maxBytes: 4 * 1024 * 1024, maxEntryBytes })
  const next = async (req: Req): Promise<CacheableResponse> => {
    upstream.calls.push({ ...req.headers })
    return upstream.answer(req.headers)
  }
  const send = httpCacheInterceptor<Req, CacheableResponse>({ store, maxEntryBytes, onResult: (p, r) => results.push(`${p}:${r}`) })(next)
  return {
    upstream,
    results,
    send: async (r = {}) => {
      const timing = new CallTiming()
      const req: Req = { permalink: 'weather', method: 'GET', url: 'https://api.example.com/data', headers: { 'X-Api-Key': 'k1' }, read: 'whole', step: {}, timing, ...r }
      return { res: await send(req), timing }
    }
  }
}

const json = (body: string, headers: Record<string, string> = {}, status = 200): CacheableResponse =>
  ({ status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(body) })

t.test('max-age: served from the cache until stale, with Age and the hit flag', async t => {
  let n = 0
  const { send, upstream, results } = setup(() => json(`{"n":${++n}}`, { 'cache-control': 'max-age=1' }))
  const first = await send()
  t.equal(first.res.body.toString(), '{"n":1}')
  t.equal(first.timing.cacheHit, false)
  const second = await send()
  t.equal(second.res.body.toString(), '{"n":1}', 'the stored body')
  t.equal(second.timing.cacheHit, true)
  t.equal(second.res.headers.age, '0')
  t.equal(upstream.calls.length, 1, 'the upstream was called once')
  await new Promise(resolve => setTimeout(resolve, 1100))
  const third = await send()
  t.equal(third.res.body.toString(), '{"n":2}', 'stale without validators: fetched again')
  t.equal(upstream.calls.length, 2)
  t.same(results, ['weather:miss', 'weather:hit', 'weather:miss'])
})

t.test('a stale entry is revalidated with If-None-Match and a 304 refreshes it', async t => {
  let bodies = 0
  const { send, upstream, results } = setup(headers => {
    if (headers['if-none-match'] === '"v1"') return { status: 304, headers: { etag: '"v1"', 'cache-control': 'max-age=60' }, body: Buffer.alloc(0) }
    bodies++
    return json('{"v":1}', { etag: '"v1"', 'cache-control': 'max-age=0' })
  })
  await send()
  const revalidated = await send()
  t.equal(upstream.calls[1]['if-none-match'], '"v1"', 'the conditional header was sent')
  t.equal(revalidated.res.status, 200, 'the caller gets the stored answer, not the 304')
  t.equal(revalidated.res.body.toString(), '{"v":1}')
  const refreshed = await send()
  t.equal(refreshed.timing.cacheHit, true, 'the 304 made the entry fresh for max-age=60')
  t.equal(upstream.calls.length, 2)
  t.equal(bodies, 1, 'the body was fetched once')
  t.same(results, ['weather:miss', 'weather:revalidated', 'weather:hit'])
})

t.test('Last-Modified revalidates with If-Modified-Since; a changed answer replaces the entry', async t => {
  let version = 1
  const { send, upstream } = setup(headers => {
    const lm = version === 1 ? 'Tue, 01 Dec 2026 10:00:00 GMT' : 'Tue, 01 Dec 2026 11:00:00 GMT'
    if (headers['if-modified-since'] === lm) return { status: 304, headers: { 'last-modified': lm }, body: Buffer.alloc(0) }
    return json(`{"v":${version}}`, { 'last-modified': lm, 'cache-control': 'no-cache' })
  })
  await send()
  t.equal((await send()).res.body.toString(), '{"v":1}', 'no-cache: stored, but revalidated every time')
  t.equal(upstream.calls[1]['if-modified-since'], 'Tue, 01 Dec 2026 10:00:00 GMT')
  version = 2
  t.equal((await send()).res.body.toString(), '{"v":2}', 'a 200 to the conditional request is the new answer')
  t.equal((await send()).res.body.toString(), '{"v":2}')
  t.equal(upstream.calls[3]['if-modified-since'], 'Tue, 01 Dec 2026 11:00:00 GMT')
})

t.test('no-store, private, 404, POST and Vary: * are never served from the cache', async t => {
  for (const [name, answer, req] of [
    ['no-store', () => json('{}', { 'cache-control': 'no-store, max-age=60' }), {}],
    ['private', () => json('{}', { 'cache-control': 'private, max-age=60' }), {}],
    ['404', () => json('{}', { 'cache-control': 'max-age=60' }, 404), {}],
    ['500', () => json('{}', { 'cache-control': 'max-age=60' }, 500), {}],
    ['Vary: *', () => json('{}', { 'cache-control': 'max-age=60', vary: '*' }), {}],
    ['POST', () => json('{}', { 'cache-control': 'max-age=60' }), { method: 'POST' }],
    ['cache: false', () => json('{}', { 'cache-control': 'max-age=60' }), { step: { cache: false } }],
    ['Authorization without public', () => json('{}', { 'cache-control': 'max-age=60' }), { headers: { Authorization: 'Bearer a' } }]
  ] as const) {
    const { send, upstream } = setup(answer)
    await send(req as Partial<Req>)
    const again = await send(req as Partial<Req>)
    t.equal(upstream.calls.length, 2, `${name}: the upstream is called every time`)
    t.equal(again.timing.cacheHit, false, name)
  }
})

t.test('Authorization with public or s-maxage may be stored (RFC 9111 §3.5)', async t => {
  const { send, upstream } = setup(() => json('{}', { 'cache-control': 'public, max-age=60' }))
  await send({ headers: { Authorization: 'Bearer a' } })
  await send({ headers: { Authorization: 'Bearer a' } })
  t.equal(upstream.calls.length, 1)
})

t.test('every outgoing header value partitions the cache: callers never share an entry', async t => {
  const { send, upstream } = setup(headers => json(JSON.stringify({ for: headers['X-User-Email'] }), { 'cache-control': 'max-age=60' }))
  const ada = await send({ headers: { 'X-User-Email': 'ada@example.com', 'X-Api-Key': 'k1' } })
  const bob = await send({ headers: { 'X-User-Email': 'bob@example.com', 'X-Api-Key': 'k1' } })
  t.equal(ada.res.body.toString(), '{"for":"ada@example.com"}')
  t.equal(bob.res.body.toString(), '{"for":"bob@example.com"}')
  t.equal(bob.timing.cacheHit, false)
  const adaAgain = await send({ headers: { 'x-api-key': 'k1', 'x-user-email': 'ada@example.com' } })
  t.equal(adaAgain.timing.cacheHit, true, 'header names are case-insensitive and unordered')
  t.equal(adaAgain.res.body.toString(), '{"for":"ada@example.com"}')
  await send({ headers: { 'X-User-Email': 'ada@example.com', 'X-Api-Key': 'k2' } })
  t.equal(upstream.calls.length, 3, 'another credential is another entry')
  await send({ url: 'https://api.example.com/data?page=2', headers: { 'X-User-Email': 'ada@example.com', 'X-Api-Key': 'k1' } })
  await send({ permalink: 'other', headers: { 'X-User-Email': 'ada@example.com', 'X-Api-Key': 'k1' } })
  await send({ method: 'HEAD', headers: { 'X-User-Email': 'ada@example.com', 'X-Api-Key': 'k1' } })
  t.equal(upstream.calls.length, 6, 'URL, permalink and method partition it too')
})

t.test('the key holds no header value, URL or credential', async t => {
  const key = cacheKey('weather', 'GET', 'https://api.example.com/data?api_key=s3cret', { 'X-Api-Key': 'top-secret-value' })
  t.notMatch(key, /s3cret|top-secret|example/)
  t.not(cacheKey('a', 'GET', 'u', { x: 'ab' }), cacheKey('a', 'GET', 'u', { xa: 'b' }), 'no ambiguity by concatenation')
})

t.test('bodies over maxEntryBytes are passed on and not stored; streams are read and stored', async t => {
  const big = setup(() => json('x'.repeat(200), { 'cache-control': 'max-age=60' }), 100)
  await big.send()
  await big.send()
  t.equal(big.upstream.calls.length, 2)
  const streamed = setup(() => ({ status: 200, headers: { 'cache-control': 'max-age=60' }, body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }))
  const first = await streamed.send({ read: 'forward' })
  t.ok(Buffer.isBuffer(first.res.body))
  t.equal(first.res.body.toString(), 'abcd')
  t.equal((await streamed.send({ read: 'forward' })).res.body.toString(), 'abcd')
  t.equal(streamed.upstream.calls.length, 1)
})

t.test('the memory store is bounded by bytes, least recently used out first', async t => {
  const store = createMemoryCacheStore({ maxBytes: 4000, maxEntryBytes: 2000 })
  const { send, upstream } = (() => {
    const upstream = { calls: 0 }
    const next = async (): Promise<CacheableResponse> => { upstream.calls++; return json('y'.repeat(1000), { 'cache-control': 'max-age=60' }) }
    const s = httpCacheInterceptor<Req, CacheableResponse>({ store, maxEntryBytes: 2000 })(next)
    return { upstream, send: async (url: string) => await s({ permalink: 'p', method: 'GET', url, headers: {}, read: 'whole', step: {}, timing: new CallTiming() }) }
  })()
  for (const u of ['a', 'b', 'c']) await send(u)
  await send('a') // a is now the most recent
  for (const u of ['d', 'e']) await send(u)
  const before = upstream.calls
  await send('a')
  t.equal(upstream.calls, before + 1, 'a was evicted after d and e pushed the store over its bytes')
  const calls = upstream.calls
  await send('e')
  t.equal(upstream.calls, calls, 'the most recent entry is still there')
})

t.test('with a private store, a connector that never had an answer stored skips the lookup; a shared store is always asked', async t => {
  for (const storeIsPrivate of [true, false]) {
    const inner = createMemoryCacheStore({ maxBytes: 1024 * 1024, maxEntryBytes: 1024 * 1024 })
    const asked: string[] = []
    const store = { get: (key: string) => { asked.push(key); return inner.get(key) }, set: inner.set }
    const results: string[] = []
    const next = async (req: Req): Promise<CacheableResponse> =>
      req.permalink === 'cacheable' ? json('{"c":1}', { 'cache-control': 'max-age=60' }) : json('{"plain":1}')
    const send = httpCacheInterceptor<Req, CacheableResponse>({ store, maxEntryBytes: 1024 * 1024, storeIsPrivate, onResult: (p, r) => results.push(`${p}:${r}`) })(next)
    const call = async (permalink: string): Promise<CacheableResponse> =>
      await send({ permalink, method: 'GET', url: 'https://api.example.com/data', headers: { 'X-Api-Key': 'k1' }, read: 'whole', step: {}, timing: new CallTiming() })
    for (let i = 0; i < 3; i++) await call('plain')
    t.equal(asked.length, storeIsPrivate ? 0 : 3, `plain connector, storeIsPrivate ${storeIsPrivate}: store asked ${asked.length} times`)
    await call('cacheable')
    const hit = await call('cacheable')
    t.equal(hit.body.toString(), '{"c":1}')
    t.same(results, ['plain:miss', 'plain:miss', 'plain:miss', 'cacheable:miss', 'cacheable:hit'], 'the same results either way')
  }
})
