// Where an upstream call goes: targetOf() parses only the part of a URL before its query once per
// distinct base and keeps a query the URL parser would not change. Whatever the URL, its origin,
// host and path must be exactly what WHATWG URL parsing of the whole URL gives, and a URL it
// refuses must be refused with the same error.
import t from 'tap'
import { targetOf } from '../../src/upstream/send.js'
import { ConduitError } from '../../src/errors.js'
import { prng } from '../fixtures/prng.js'

function viaUrl (raw: string): { origin: string, host: string, path: string } | string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'INVALID_CONNECTOR'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'DESTINATION_NOT_ALLOWED'
  return { origin: url.origin, host: url.host, path: url.pathname + url.search }
}

function viaTarget (raw: string): { origin: string, host: string, path: string } | string {
  try {
    return targetOf(raw)
  } catch (err) {
    return err instanceof ConduitError ? err.code : String(err)
  }
}

// Every printable ASCII character, the characters the parser strips or encodes, and non-ASCII.
const PIECES = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)),
  '\t', '\n', '\r', '\x00', '\x7f', 'é', '€', '😀', '%20', '%zz', '..', '/./', '/../', '\\', '?', '#', '&', '=', '@', ':'
]
const SCHEMES = ['http://', 'https://', 'HTTP://', 'ftp://', 'http:', 'http:/', ' http://', 'javascript:', '']
const HOSTS = ['api.example.com', '127.0.0.1:8080', '[::1]:443', 'user:pw@h.example', 'EXAMPLE.com.', 'h.example:80', 'h.example:443', 'xn--bcher-kva.example', 'bücher.example', 'a b', '']

t.test('targetOf agrees with URL parsing of the whole URL', async t => {
  const next = prng(20261202)
  const pick = <T> (xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
  const text = (n: number): string => Array.from({ length: Math.floor(next() * n) }, () => pick(PIECES)).join('')
  let mismatches = 0
  const cases = 20_000
  for (let i = 0; i < cases; i++) {
    // Paths and queries from a few bases, so that cached bases are reused with many queries.
    const base = pick(SCHEMES) + pick(HOSTS) + (next() < 0.3 ? '' : '/' + (next() < 0.5 ? 'v1/items' : text(8)))
    const query = next() < 0.2 ? '' : '?' + (next() < 0.5 ? 'a=1&b=%C3%A9&c=x-y_z.~' : text(12))
    const raw = base + query + (next() < 0.05 ? '#' + text(4) : '')
    // Twice: the second answer comes from the cache of bases.
    for (const got of [viaTarget(raw), viaTarget(raw)]) {
      const want = viaUrl(raw)
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        if (mismatches++ < 5) t.fail(`${JSON.stringify(raw)}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`)
      }
    }
  }
  t.equal(mismatches, 0, `${cases} generated URLs`)
})

t.test('a query the parser would encode, a fragment and a bare "?" are handled as the parser does', async t => {
  t.same(targetOf('http://h.example/p?a b'), { origin: 'http://h.example', host: 'h.example', path: '/p?a%20b' })
  t.same(targetOf('http://h.example/p?a=\'1\''), { origin: 'http://h.example', host: 'h.example', path: '/p?a=%271%27' })
  t.same(targetOf('http://h.example/p?a=1#frag'), { origin: 'http://h.example', host: 'h.example', path: '/p?a=1' })
  t.same(targetOf('http://h.example/p?'), { origin: 'http://h.example', host: 'h.example', path: '/p' })
  t.same(targetOf('http://h.example/a b?x=1'), { origin: 'http://h.example', host: 'h.example', path: '/a%20b?x=1' })
  t.same(targetOf('http://h.example'), { origin: 'http://h.example', host: 'h.example', path: '/' })
  t.throws(() => targetOf('ftp://h.example/?x'), { code: 'DESTINATION_NOT_ALLOWED' })
  t.throws(() => targetOf('not a url?x=1'), { code: 'INVALID_CONNECTOR' })
})
