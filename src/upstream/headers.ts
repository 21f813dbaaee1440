// Header rules of every upstream call (SPEC §2, §7), in one place: what a header name and value may
// be (what undici accepts: RFC 9110 field-name token, field-value with obs-text), hop-by-hop headers
// dropped both ways, and the upstream response headers a caller may see.

/** RFC 9110 field-name (token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// What undici accepts in a header value (RFC 9110 field-value, obs-text allowed): no line break, NUL or other control character.
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/

export function isHeaderName (name: string): boolean {
  return HEADER_NAME.test(name)
}

export function isHeaderValue (value: string): boolean {
  return !BAD_HEADER_VALUE.test(value)
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
// Computed by undici from the body; a rendered value could only disagree with it.
const REQUEST_ONLY_DROPPED = new Set(['content-length', 'expect'])

const NO_TOKENS: ReadonlySet<string> = new Set()
const KEEP_ALIVE_TOKENS: ReadonlySet<string> = new Set(['keep-alive'])

function connectionTokens (value: string | string[] | undefined): ReadonlySet<string> {
  // Most messages have no Connection header or a bare keep-alive: no set to build.
  if (value === undefined || value === '') return NO_TOKENS
  if (value === 'keep-alive') return KEEP_ALIVE_TOKENS
  const text = Array.isArray(value) ? value.join(',') : value
  return new Set(text.split(',').map(t => t.trim().toLowerCase()).filter(t => t !== ''))
}

function isHopByHop (name: string, named: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name)
}

/** Request headers without hop-by-hop ones (and those the Connection header names). */
export function stripRequestHeaders (headers: Record<string, string>): Record<string, string> {
  let connection: string | undefined
  for (const name in headers) {
    if (name.length === 10 && name.toLowerCase() === 'connection') { connection = headers[name]; break }
  }
  const named = connectionTokens(connection)
  const out: Record<string, string> = {}
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (!isHopByHop(lower, named) && !REQUEST_ONLY_DROPPED.has(lower)) out[name] = headers[name]
  }
  return out
}

/** Response headers: lowercase keys, multi-values joined with ', ', set-cookie and hop-by-hop dropped. */
export function cleanResponseHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string> {
  let connection: string | string[] | undefined
  for (const name in headers) {
    if (name.length === 10 && name.toLowerCase() === 'connection' && headers[name] !== undefined) connection = headers[name]
  }
  const named = connectionTokens(connection)
  const out: Record<string, string> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (lower === 'set-cookie' || isHopByHop(lower, named)) continue
    out[lower] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

// `age` too: an HTTP-cache hit shows how old its answer is (SPEC §8).
const SAFE_RESPONSE_HEADERS = new Set(['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'expires', 'retry-after', 'age'])

/** The upstream headers a caller may see (SPEC §2): never set-cookie, hop-by-hop or server. */
export function safeResponseHeaders (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (SAFE_RESPONSE_HEADERS.has(lower) || lower.startsWith('x-ratelimit-')) out[lower] = headers[name]
  }
  return out
}
