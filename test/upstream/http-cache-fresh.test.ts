// The cache's shortcut for a plain request (no Cache-Control, no Pragma) must decide exactly what
// http-cache-semantics decides: over a generated space of stored answers and clock readings, it
// never serves an entry the library would revalidate, and it answers itself for every entry
// without must-revalidate or Vary.
import t from 'tap'
import CachePolicy from 'http-cache-semantics'
import { freshForPlainRequest, type CachedResponse } from '../../src/upstream/http-cache.js'
import { prng } from '../fixtures/prng.js'

const DIRECTIVES = ['max-age=0', 'max-age=1', 'max-age=60', 'max-age=3600', 's-maxage=0', 's-maxage=30', 'public', 'no-cache',
  'must-revalidate', 'proxy-revalidate', 'immutable', 'stale-while-revalidate=30', 'stale-if-error=60', 'no-transform', 'MAX-AGE=10']

t.test('the shortcut agrees with satisfiesWithoutRevalidation', async t => {
  const realNow = Date.now
  t.teardown(() => { Date.now = realNow })
  const base = Date.UTC(2026, 11, 1, 12, 0, 0)
  let checked = 0
  let answered = 0
  for (let seed = 1; seed <= 3000; seed++) {
    const next = prng(seed)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const n = Math.floor(next() * 4)
    if (n > 0) headers['cache-control'] = Array.from({ length: n }, () => pick(DIRECTIVES)).join(', ')
    if (next() < 0.3) headers.expires = new Date(base + Math.floor((next() - 0.3) * 7200) * 1000).toUTCString()
    if (next() < 0.5) headers.date = new Date(base - Math.floor(next() * 120) * 1000).toUTCString()
    if (next() < 0.2) headers.age = String(Math.floor(next() * 100))
    if (next() < 0.2) headers.etag = '"v1"'
    if (next() < 0.1) headers.vary = pick(['accept', '*', 'x-user'])
    const request = { url: '/items?x=1', method: 'GET', headers: { accept: 'application/json', 'x-user': 'ada' } }
    Date.now = () => base
    const policy = new CachePolicy(request, { status: 200, headers }, { shared: true, cacheHeuristic: 0 })
    const entry: CachedResponse = { status: 200, headers, body: Buffer.from('{}'), policy }
    for (const later of [0, 0.5, 1, 29, 30.5, 59, 61, 3599, 3601, 8000]) {
      Date.now = () => base + later * 1000
      const library = policy.satisfiesWithoutRevalidation(request)
      const shortcut = freshForPlainRequest(entry, { Accept: 'application/json', 'X-User': 'ada' })
      checked++
      if (shortcut) answered++
      if (shortcut && !library) t.fail(`seed ${seed}, +${later}s: served ${JSON.stringify(headers)} which the library revalidates`)
      const simple = !/must-revalidate/i.test(headers['cache-control'] ?? '') && headers.vary === undefined
      if (simple && shortcut !== library) t.fail(`seed ${seed}, +${later}s: ${JSON.stringify(headers)}: library ${library}, shortcut ${shortcut}`)
    }
  }
  t.ok(answered > 1000, `the shortcut answered ${answered} of ${checked} lookups itself`)
})

t.test('a request with Cache-Control or Pragma always goes to the library', async t => {
  const headers = { 'cache-control': 'max-age=3600' }
  const policy = new CachePolicy({ url: '/a', method: 'GET', headers: {} }, { status: 200, headers }, { shared: true, cacheHeuristic: 0 })
  const entry: CachedResponse = { status: 200, headers, body: Buffer.from(''), policy }
  t.equal(freshForPlainRequest(entry, {}), true)
  t.equal(freshForPlainRequest(entry, { 'Cache-Control': 'no-cache' }), false)
  t.equal(freshForPlainRequest(entry, { pragma: 'no-cache' }), false)
})
