// The one configured eta instance (SPEC §4.1). Generated template code is handed to eta as a
// single exec tag; eta compiles each distinct code string into a function once. Auto-escaping,
// auto-trimming and `with` are off: output is exactly what the generated code appends.
import { Eta } from 'eta'
import { LRUCache } from 'lru-cache'

export const eta = new Eta({
  autoEscape: false,
  autoTrim: false,
  autoFilter: false,
  useWith: false,
  cache: false,
  rmWhitespace: false,
  varName: 'it',
  tags: ['<%', '%>']
})

/** What generated code reads from `it`. */
export interface RenderData {
  r: unknown
  e: unknown
  c: unknown
  p: unknown
  k: unknown
}

export type RenderFn = (data: RenderData) => string

const NO_OPTIONS = Object.freeze({})

// Generated code holds no template text (text is passed as data), so many templates share one code
// string: compile each distinct one once per field kind (`scope` keeps kinds apart).
const CACHE_LIMIT = 10_000
const compiled = new LRUCache<string, RenderFn>({ max: CACHE_LIMIT })

/** Wraps generated code in one eta exec tag and compiles it, once per distinct code string. */
export function compileWithEta (code: string, scope = ''): RenderFn {
  const key = scope + '\u0000' + code
  const hit = compiled.get(key)
  if (hit !== undefined) return hit
  const fn = compileUncached(code)
  compiled.set(key, fn)
  return fn
}

function compileUncached (code: string): RenderFn {
  // A leading newline keeps eta from reading the first character as a tag prefix (= ~ - _), and the
  // trailing newline keeps the last one from being read as a trim marker.
  const fn = eta.compile(`<%\n${code}\n%>`) as unknown as (this: Eta, data: RenderData, options: object) => string
  return (data) => fn.call(eta, data, NO_OPTIONS)
}
