// The filters of SPEC §4.2, with Jinja2 3.1's semantics and argument names (positional and keyword).
// Where Jinja2 returns a generator (select, reject, selectattr, rejectattr, map, unique, batch,
// slice, items) or an iterator (reverse of a list, tuple, range or dict) these return a PyIter
// (iterators.ts): lazy and single pass as Jinja2's, so a chain like `| selectattr(…) | map(…) |
// list` still visits each item once and builds one list.
import type { RuntimeEnv } from './env.js'
import {
  Markup, PyComplex, PyFloat, UNDEFINED, Namespace, htmlEscape, isDict, unmark, isFloat, isInt, isNumber, isUndefined, makeFloat,
  isTuple, makeNamedTuple, makeTuple, normInt, pyLess, sameOrEqual, pyStr, pyTypeName, toNumber, truthy
} from './values.js'
import { getAttr, getItem, BoundMethod, SAFE_METHODS } from './access.js'
import { TESTS } from './tests.js'
import { toJson, jsonEncode } from './tojson.js'
import { bindArgs, registry } from './filters/args.js'
import { parseJson } from './filters/from-json.js'
import {
  percentFormat, parsePyFloat, parsePyInt, roundFloat, roundInt
} from './filters/pyformat.js'
import {
  PY_WHITESPACE, asciiDigits, codePoints, fail, hashKey, ignoreCase, intArg, iterOf, iterate, pyAdd, pyLen, pySorted,
  isNumberOrStrKeys, sortByKeys, strCapitalize, strReplace, strSlice, strStrip, undefinedError
} from './filters/python.js'
import { TemplateRenderError } from '../types.js'
import { BUDGET, COST, charge, chargeChars, chargeItems, chargeList, chargeSort, chargeString } from './budget.js'
import { DONE, PyIter, drain, generator, reverseIterator } from './iterators.js'
import type { Step } from './iterators.js'
import { listKindName } from './list-kinds.js'

export type FilterFn = (env: RuntimeEnv, value: unknown, args: unknown[], kwargs: Record<string, unknown>) => unknown

type Getter = (item: unknown) => unknown

/** Jinja2's "a.0.b" attribute paths: digit-only parts index as ints. */
function attributeParts (attribute: unknown): unknown[] {
  if (attribute === null || attribute === undefined) return []
  if (typeof attribute === 'string') return attribute.split('.').map(p => /^[0-9]+$/.test(p) ? Number(p) : p)
  return [attribute]
}

/** make_attrgetter: item lookup along the path; `dflt` replaces an undefined step when not None. */
function attrGetter (attribute: unknown, postprocess?: Getter, dflt: unknown = null): Getter {
  const parts = attributeParts(attribute)
  const plain = postprocess === undefined && (dflt === null || dflt === undefined)
  if (plain && parts.length === 0) return item => item
  if (plain && parts.length === 1) {
    const part = parts[0]
    return item => getItem(item, part)
  }
  return item => {
    let v = item
    for (const part of parts) {
      v = getItem(v, part)
      if (dflt !== null && dflt !== undefined && isUndefined(v)) v = dflt
    }
    return postprocess === undefined ? v : postprocess(v)
  }
}

/** make_multi_attrgetter of sort(): "a,b" sorts by a then b. */
function multiAttrGetter (attribute: unknown, postprocess?: Getter): Getter {
  const split = typeof attribute === 'string' ? attribute.split(',') : [attribute]
  const getters = split.map(a => attrGetter(a, postprocess))
  return item => getters.map(g => g(item))
}

function caseGetter (caseSensitive: unknown): Getter | undefined {
  return truthy(caseSensitive) ? undefined : ignoreCase
}

/** Called with every parameter of the filter bound: `p` has one key per parameter name. */
export type BoundFilterFn = (env: RuntimeEnv, value: unknown, p: Record<string, unknown>) => unknown

/**
 * A filter's parameter list. Arguments written in a template are fixed, so codegen binds them to
 * parameter names once at compile time and calls `bound` directly (no bindArgs per call).
 */
export interface FilterSignature {
  readonly params: readonly string[]
  readonly defaults: Readonly<Record<string, unknown>>
  readonly bound: BoundFilterFn
}

const SIGNATURES = new WeakMap<FilterFn, FilterSignature>()

/** A filter taking named parameters: the callback receives them bound Python-style. */
function withParams (name: string, params: readonly string[], defaults: Record<string, unknown>, fn: BoundFilterFn): FilterFn {
  const filter: FilterFn = (env, value, args, kwargs) => fn(env, value, bindArgs(name, params, defaults, args, kwargs))
  SIGNATURES.set(filter, Object.freeze({ params: Object.freeze([...params]), defaults: Object.freeze({ ...defaults }), bound: fn }))
  return filter
}

/** A filter without parameters: extra arguments are an error, as in Python. */
function noParams (name: string, fn: (env: RuntimeEnv, value: unknown) => unknown): FilterFn {
  const filter: FilterFn = (env, value, args, kwargs) => {
    if (args.length > 0 || Object.keys(kwargs).length > 0) bindArgs(name, [], {}, args, kwargs)
    return fn(env, value)
  }
  SIGNATURES.set(filter, Object.freeze({ params: Object.freeze([]), defaults: Object.freeze({}), bound: fn }))
  return filter
}

function str (v: unknown): string {
  return pyStr(v)
}

// --- numbers ---------------------------------------------------------------------------------

function absFilter (_env: RuntimeEnv, value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'bigint') return value < 0n ? -value : value
  if (isInt(value)) return Math.abs(value)
  if (isFloat(value)) return makeFloat(Math.abs(toNumber(value)))
  // abs() of a complex is its magnitude (complex_abs: hypot, an error where it overflows).
  if (value instanceof PyComplex) {
    const r = Math.hypot(value.re, value.im)
    if (r === Infinity && Number.isFinite(value.re) && Number.isFinite(value.im)) fail('absolute value too large')
    return makeFloat(r)
  }
  return fail(`bad operand type for abs(): '${pyTypeName(value)}'`)
}

/**
 * The base int(text, base) accepts, or undefined where it raises the TypeError or ValueError that
 * do_int catches (it then reads the text as a float); a base too large for a C int is not caught.
 */
function intBase (base: unknown): number | undefined {
  if (typeof base === 'bigint') fail('int: Python int too large to convert to C int')
  const b = typeof base === 'boolean' ? Number(base) : isInt(base) ? base : undefined
  return b !== undefined && (b === 0 || (b >= 2 && b <= 36)) ? b : undefined
}

const intFilter = withParams('int', ['default', 'base'], { default: 0, base: 10 }, (_env, value, p) => {
  if (isUndefined(value)) undefinedError(value)
  if (typeof value === 'string') {
    value = asciiDigits(value)
    const base = intBase(p.base)
    const parsed = base === undefined ? undefined : parsePyInt(value as string, base)
    if (parsed !== undefined) return parsed
    const f = parsePyFloat(value as string)
    return f !== undefined && Number.isFinite(f) ? Math.trunc(f) + 0 : p.default
  }
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'bigint') return value
  if (isNumber(value)) {
    const n = toNumber(value)
    // int(inf) is an OverflowError, which do_int lets through (int(nan), a ValueError, is the default).
    if (n === Infinity || n === -Infinity) fail('cannot convert float infinity to integer')
    return Number.isNaN(n) ? p.default : Math.trunc(n) + 0
  }
  return p.default
})

const floatFilter = withParams('float', ['default'], { default: new PyFloat(0) }, (_env, value, p) => {
  if (isUndefined(value)) undefinedError(value)
  if (typeof value === 'string') {
    const f = parsePyFloat(asciiDigits(value))
    return f === undefined ? p.default : makeFloat(f)
  }
  if (typeof value === 'boolean' || isNumber(value)) return makeFloat(toNumber(value))
  return p.default
})

/** round(x, None) is round(x): an int, half to even (floor and ceil compute 10 ** None and fail). */
function roundToInt (value: unknown, method: string): unknown {
  if (method !== 'common') fail("unsupported operand type(s) for ** or pow(): 'int' and 'NoneType'")
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'bigint' || isInt(value)) return value
  if (!isNumber(value)) fail(`type ${pyTypeName(value)} doesn't define __round__ method`)
  const x = toNumber(value)
  if (!Number.isFinite(x)) fail(`cannot convert float ${Number.isNaN(x) ? 'NaN' : 'infinity'} to integer`)
  const r = roundFloat(x, 0)
  return Number.isSafeInteger(r) ? r + 0 : normInt(BigInt(r))
}

const roundFilter = withParams('round', ['precision', 'method'], { precision: 0, method: 'common' }, (_env, value, p) => {
  const method = p.method
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') fail('method must be common, ceil or floor')
  if (p.precision === null) return roundToInt(value, method)
  const precision = intArg(p.precision, 'round')
  if (!(isNumber(value) || typeof value === 'boolean')) {
    if (method === 'common') fail(`type ${pyTypeName(value)} doesn't define __round__ method`)
    fail(`must be real number, not ${pyTypeName(value)}`)
  }
  // A big int is exact: rounding to whole digits or finer leaves it as it is.
  if (typeof value === 'bigint' && precision >= 0) return method === 'common' ? value : makeFloat(Number(value))
  if (method === 'common') {
    if (isFloat(value)) return makeFloat(roundFloat(toNumber(value), precision))
    return roundInt(typeof value === 'bigint' ? value : toNumber(value), precision)
  }
  const scale = 10 ** precision
  const scaled = toNumber(value) * scale
  if (!Number.isFinite(scaled)) fail(`cannot convert float ${Number.isNaN(scaled) ? 'NaN' : 'infinity'} to integer`)
  const whole = (method === 'ceil' ? Math.ceil(scaled) : Math.floor(scaled)) + 0
  return makeFloat(whole / scale)
})

const sumFilter = withParams('sum', ['attribute', 'start'], { attribute: null, start: 0 }, (_env, value, p) => {
  if (typeof p.start === 'string') fail("sum() can't sum strings [use ''.join(seq) instead]")
  let items = iterate(value)
  chargeItems(items.length)
  if (p.attribute !== null && p.attribute !== undefined) items = items.map(attrGetter(p.attribute))
  return items.reduce((acc, x) => pyAdd(acc, x), p.start)
})

// --- strings ---------------------------------------------------------------------------------

const TITLE_SPLIT = new RegExp(`([-${PY_WHITESPACE}({\\[<]+)`)

function titleFilter (_env: RuntimeEnv, value: unknown): string {
  const text = str(value)
  chargeItems(text.length, COST.unicodeChar)
  return text.split(TITLE_SPLIT)
    .filter(item => item !== '')
    .map(item => {
      const cps = codePoints(item)
      return (cps[0] as string).toUpperCase() + cps.slice(1).join('').toLowerCase()
    })
    .join('')
}

const WORD = /[\p{L}\p{N}_]+/gu

function wordcountFilter (_env: RuntimeEnv, value: unknown): number {
  const text = str(value)
  chargeItems(text.length, COST.codePoint)
  // Counted, not collected: match() would build an array of every word.
  let n = 0
  WORD.lastIndex = 0
  while (WORD.exec(text) !== null) n++
  return n
}

const replaceFilter = withParams('replace', ['old', 'new', 'count'], { count: null }, (_env, value, p) => {
  const count = p.count === null || p.count === undefined ? -1 : intArg(p.count, 'replace')
  return strReplace(str(value), str(p.old), str(p.new), count)
})

const trimFilter = withParams('trim', ['chars'], { chars: null }, (_env, value, p) => {
  return strStrip(str(value), isUndefined(p.chars) ? null : p.chars, true, true)
})

/** A number do_truncate compares with an int: any int, float or bool; anything else is a TypeError there. */
function comparedNumber (v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (isNumber(v)) return toNumber(v)
  if (isUndefined(v)) undefinedError(v)
  return fail(`'>=' not supported between instances of '${pyTypeName(v)}' and 'int'`)
}

const truncateFilter = withParams('truncate', ['length', 'killwords', 'end', 'leeway'],
  { length: 255, killwords: false, end: '...', leeway: null }, (_env, value, p) => {
    // length and leeway are only compared and added until the text is cut (a float will do).
    const length = comparedNumber(p.length)
    const leeway = p.leeway === null || p.leeway === undefined ? 5 : comparedNumber(p.leeway)
    // In do_truncate's order: len(end) first; `end` must be a str only when it is appended.
    const endLen = pyLen(p.end)
    // The numbers are not echoed: they may come from the context (SPEC §4.6).
    if (length < endLen) fail('truncate: expected length >= the length of end')
    if (leeway < 0) fail('truncate: expected leeway >= 0')
    if (pyLen(value) <= length + leeway) return value
    if (typeof p.end !== 'string') fail(`can only concatenate str (not "${pyTypeName(p.end)}") to str`)
    const end = p.end
    if (typeof value !== 'string') fail(`truncate expects a string, not ${pyTypeName(value)}`)
    if (!isInt(p.length) && typeof p.length !== 'boolean') fail('slice indices must be integers or None or have an __index__ method')
    const head = strSlice(value, 0, length - endLen)
    if (truthy(p.killwords)) return head + end
    const cut = head.lastIndexOf(' ')
    return (cut < 0 ? head : head.slice(0, cut)) + end
  })

function formatFilter (_env: RuntimeEnv, value: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const hasKwargs = Object.keys(kwargs).length > 0
  if (args.length > 0 && hasKwargs) fail("can't handle positional and keyword arguments at the same time")
  if (value instanceof Markup) {
    // Markup % args: str arguments are escaped.
    const esc = (v: unknown): unknown => typeof v === 'string' ? htmlEscape(v) : unmark(v)
    return new Markup(percentFormat(value.text, hasKwargs ? Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, esc(v)])) : args.map(esc)))
  }
  return percentFormat(str(value), hasKwargs ? kwargs : args)
}

const QUOTE_SAFE = /[A-Za-z0-9_.\-~]/

function urlQuote (value: unknown, forQs: boolean): string {
  const text = typeof value === 'string' ? value : str(value)
  chargeItems(text.length * 3, COST.unicodeChar)
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte)
    if (byte < 0x80 && (QUOTE_SAFE.test(ch) || (!forQs && ch === '/'))) out += ch
    else if (forQs && ch === ' ') out += '+'
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function urlencodeFilter (_env: RuntimeEnv, value: unknown): string {
  if (typeof value === 'string' || !(Array.isArray(value) || isDict(value) || isUndefined(value) || value instanceof PyIter)) {
    return urlQuote(value, false)
  }
  const pairs = isDict(value)
    ? value.entries()
    : iterate(value).map(pair => {
      const kv = iterate(pair)
      if (kv.length > 2) fail('too many values to unpack (expected 2)')
      if (kv.length < 2) fail('not enough values to unpack (expected 2)')
      return kv
    })
  return pairs.map(([k, v]) => `${urlQuote(k, true)}=${urlQuote(v, true)}`).join('&')
}

// --- sequences -------------------------------------------------------------------------------

function firstFilter (_env: RuntimeEnv, value: unknown): unknown {
  // next(iter(seq)): an iterator gives up one item.
  if (value instanceof PyIter) {
    const item = value.next()
    return item === DONE ? UNDEFINED : item
  }
  const items = iterate(value)
  return items.length > 0 ? items[0] : UNDEFINED
}

function lastFilter (_env: RuntimeEnv, value: unknown): unknown {
  if (!(Array.isArray(value) || typeof value === 'string' || isDict(value) || isUndefined(value))) {
    fail(`'${pyTypeName(value)}' object is not reversible`)
  }
  const items = iterate(value)
  return items.length > 0 ? items[items.length - 1] : UNDEFINED
}

/** The type of reversed(seq), by the type of seq. */
function reverseIteratorType (seq: unknown[]): string {
  switch (listKindName(seq)) {
    case 'range': return 'range_iterator'
    case 'dict_keys': return 'dict_reversekeyiterator'
    case 'dict_values': return 'dict_reversevalueiterator'
    case 'dict_items': return 'dict_reverseitemiterator'
  }
  return isTuple(seq) ? 'reversed' : 'list_reverseiterator'
}

/** Jinja2's do_reverse: a str reversed; reversed(value) where Python has it; else list(value) reversed. */
function reverseFilter (_env: RuntimeEnv, value: unknown): unknown {
  if (typeof value === 'string') return codePoints(value).reverse().join('')
  if (Array.isArray(value)) return reverseIterator(reverseIteratorType(value), value)
  if (isDict(value)) {
    chargeItems(value.size)
    return reverseIterator('dict_reversekeyiterator', value.keys())
  }
  if (isUndefined(value)) return reverseIterator('reversed', [])
  // An iterator has no reversed(): it is read into a list, which is reversed.
  if (value instanceof PyIter) return drain(value).reverse()
  return fail('argument must be iterable')
}

const joinFilter = withParams('join', ['d', 'attribute'], { d: '', attribute: null }, (_env, value, p) => {
  const items = iterate(value)
  const get = p.attribute !== null && p.attribute !== undefined ? attrGetter(p.attribute) : undefined
  const sep = str(p.d)
  const n = items.length
  // Each item's text is stored, then all are joined once (a str grown item by item is a rope
  // of a million pieces, several times slower to build and to flatten).
  chargeItems(n, COST.listItem)
  const parts = new Array<string>(n)
  let length = n > 0 ? (n - 1) * sep.length : 0
  if (length > BUDGET.maxStringLength) chargeString(length)
  for (let i = 0; i < n; i++) {
    const part = str(get === undefined ? items[i] : get(items[i]))
    parts[i] = part
    // Held to the cap as it grows: a long separator or long items could build far past it.
    if ((length += part.length) > BUDGET.maxStringLength) chargeString(length)
  }
  chargeString(length)
  return parts.join(sep)
})

/** Jinja2's do_batch, a generator: a batch is handed out when the item after it has been read. */
const batchFilter = withParams('batch', ['linecount', 'fill_with'], { fill_with: null }, (_env, value, p) => {
  const linecount = p.linecount
  // len(tmp) == linecount: never true for a linecount that is not a number.
  const size = isNumber(linecount) || typeof linecount === 'boolean' ? toNumber(linecount) : NaN
  const fill = p.fill_with
  let next: Step | null = null
  let tmp: unknown[] = []
  return generator('do_batch', () => {
    next ??= iterOf(value)
    for (;;) {
      const item = next()
      if (item === DONE) break
      charge(COST.item + COST.part / 2)
      if (tmp.length === size) {
        const full = tmp
        tmp = [item]
        return full
      }
      tmp.push(item)
    }
    if (tmp.length === 0) return DONE
    const last = tmp
    tmp = []
    if (fill !== null) {
      if (Number.isNaN(size)) fail(`'<' not supported between instances of 'int' and '${pyTypeName(linecount)}'`)
      if (last.length < size) {
        if (isFloat(linecount)) fail("can't multiply sequence by non-int of type 'float'")
        // The fill is as long as the template says: charged (and capped) before it is built.
        chargeList(size - last.length)
        while (last.length < size) last.push(fill)
      }
    }
    return last
  })
})

/** Jinja2's sync_do_slice, a generator: it reads the whole input when the first slice is asked for. */
const sliceFilter = withParams('slice', ['slices', 'fill_with'], { fill_with: null }, (_env, value, p) => {
  let seq: unknown[] | null = null
  let slices = 0
  let perSlice = 0
  let withExtra = 0
  let offset = 0
  let n = 0
  return generator('sync_do_slice', () => {
    if (seq === null) {
      seq = [...iterate(value)]
      slices = intArg(p.slices, 'slice')
      // One list per slice, however few items: a slice count is charged like that many items.
      chargeList(seq.length + Math.max(0, slices))
      if (slices === 0) fail('integer division or modulo by zero')
      perSlice = Math.floor(seq.length / slices)
      withExtra = seq.length - perSlice * slices
    }
    if (n >= slices) return DONE
    const start = offset + n * perSlice
    if (n < withExtra) offset++
    const end = offset + (n + 1) * perSlice
    const tmp = seq.slice(Math.max(0, start), Math.max(0, end))
    if (p.fill_with !== null && n >= withExtra) tmp.push(p.fill_with)
    n++
    return tmp
  })
})

function listFilter (_env: RuntimeEnv, value: unknown): unknown[] {
  // The list an iterator is read into is already a new one.
  if (value instanceof PyIter) return drain(value)
  const items = iterate(value)
  chargeList(items.length)
  return [...items]
}

/** Jinja2's do_items, a generator of (key, value) tuples; its checks run when it is first read. */
function itemsFilter (_env: RuntimeEnv, value: unknown): PyIter {
  let entries: Array<[unknown, unknown]> | null = null
  let i = 0
  return generator('do_items', () => {
    if (entries === null) {
      if (isUndefined(value)) return DONE
      if (!isDict(value)) fail('Can only get item pairs from a mapping.')
      chargeItems(value.size, COST.listItem + COST.newList)
      entries = value.entries()
    }
    return i < entries.length ? makeTuple(entries[i++] as [unknown, unknown]) : DONE
  })
}

/** sorted()'s reverse: an int (a bool is one), not any truthy value. */
function sortReverse (reverse: unknown, filter: string): boolean {
  return intArg(reverse, filter) !== 0
}

const dictsortFilter = withParams('dictsort', ['case_sensitive', 'by', 'reverse'],
  { case_sensitive: false, by: 'key', reverse: false }, (_env, value, p) => {
    let pos: number
    if (p.by === 'key') pos = 0
    else if (p.by === 'value') pos = 1
    else fail('You can only sort by either "key" or "value"')
    if (isUndefined(value)) undefinedError(value)
    if (!isDict(value)) fail(`'${pyTypeName(value)}' object has no attribute 'items'`)
    const post = caseGetter(p.case_sensitive)
    chargeItems(value.size, COST.listItem + COST.newList)
    const items = value.entries().map(e => makeTuple(e))
    return pySorted(items, item => post === undefined ? item[pos] : post(item[pos]), sortReverse(p.reverse, 'dictsort'))
  })

const sortFilter = withParams('sort', ['reverse', 'case_sensitive', 'attribute'],
  { reverse: false, case_sensitive: false, attribute: null }, (_env, value, p) => {
    const items = iterate(value)
    const post = caseGetter(p.case_sensitive)
    const reverse = sortReverse(p.reverse, 'sort')
    if (typeof p.attribute === 'string' && p.attribute.includes(',')) return pySorted(items, multiAttrGetter(p.attribute, post), reverse)
    // Jinja2 sorts by one-item lists [key]; for numbers or strs only, that orders as the keys do.
    const get = attrGetter(p.attribute, post)
    // Charged before the keys are computed: a sort the budget cannot afford fails before that work.
    chargeSort(items.length)
    const keys = items.map(get)
    return sortByKeys(items, isNumberOrStrKeys(keys) ? keys : keys.map(k => [k]), reverse, true)
  })

const uniqueFilter = withParams('unique', ['case_sensitive', 'attribute'],
  { case_sensitive: false, attribute: null }, (_env, value, p) => {
    const key = attrGetter(p.attribute, caseGetter(p.case_sensitive))
    const seen = new Set<string>()
    let next: Step | null = null
    return generator('sync_do_unique', () => {
      next ??= iterOf(value)
      for (;;) {
        const item = next()
        if (item === DONE) return DONE
        charge(COST.part * 2)
        const h = hashKey(key(item))
        if (!seen.has(h)) {
          seen.add(h)
          return item
        }
      }
    })
  })

function minMax (name: 'min' | 'max'): FilterFn {
  return withParams(name, ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null }, (_env, value, p) => {
    const items = iterate(value)
    chargeItems(items.length)
    if (items.length === 0) return UNDEFINED
    const key = attrGetter(p.attribute, caseGetter(p.case_sensitive))
    let best = items[0]
    let bestKey = key(best)
    for (let i = 1; i < items.length; i++) {
      const k = key(items[i])
      const better = name === 'min' ? pyLess(k, bestKey) : pyLess(bestKey, k)
      if (better) {
        best = items[i]
        bestKey = k
      }
    }
    return best
  })
}

/** One (grouper, list) pair of groupby: a namedtuple that also answers `.grouper` and `.list`. */
function groupTuple (grouper: unknown, list: unknown[]): unknown[] {
  return makeNamedTuple([grouper, list], GROUP_FIELDS)
}

const GROUP_FIELDS = ['grouper', 'list'] as const

const groupbyFilter = withParams('groupby', ['attribute', 'default', 'case_sensitive'],
  { default: null, case_sensitive: false }, (_env, value, p) => {
    const expr = attrGetter(p.attribute, caseGetter(p.case_sensitive), p.default)
    const sorted = pySorted(iterate(value), expr)
    const groups: Array<{ key: unknown, items: unknown[] }> = []
    for (const item of sorted) {
      const k = expr(item)
      const last = groups[groups.length - 1]
      if (last !== undefined && sameOrEqual(last.key, k)) last.items.push(item)
      else groups.push({ key: k, items: [item] })
    }
    if (truthy(p.case_sensitive)) return groups.map(g => groupTuple(g.key, g.items))
    const output = attrGetter(p.attribute, undefined, p.default)
    return groups.map(g => groupTuple(output(g.items[0]), g.items))
  })

// --- higher-order ----------------------------------------------------------------------------

/** Jinja2's sync_do_map, a generator: the arguments are checked when it is first read, as there. */
function mapFilter (env: RuntimeEnv, value: unknown, args: unknown[], kwargs: Record<string, unknown>): PyIter {
  let next: Step | null = null
  let func: Getter = item => item
  return generator('sync_do_map', () => {
    if (next === null) {
      if (!truthy(value)) return DONE
      func = mapFunction(env, args, kwargs)
      next = iterOf(value)
    }
    const item = next()
    if (item === DONE) return DONE
    charge(COST.item)
    return func(item)
  })
}

/** prepare_map: the attribute getter or the filter call map applies to each item. */
function mapFunction (env: RuntimeEnv, args: unknown[], kwargs: Record<string, unknown>): Getter {
  let func: Getter
  if (args.length === 0 && Object.hasOwn(kwargs, 'attribute')) {
    const { attribute, default: dflt, ...rest } = kwargs
    const extra = Object.keys(rest)[0]
    if (extra !== undefined) fail(`Unexpected keyword argument '${extra}'`)
    func = attrGetter(attribute, undefined, dflt ?? null)
  } else {
    if (args.length === 0) fail('map requires a filter argument')
    const name = args[0]
    const filter = typeof name === 'string' && Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined
    // The name may be computed at run time, so it is not echoed (it could carry a context value).
    if (filter === undefined) fail('map: the first argument does not name a filter of the template language')
    const rest = args.slice(1)
    func = item => filter(env, item, rest, kwargs)
  }
  return func
}

/** Jinja2's select_or_reject, a generator: the arguments are checked when it is first read, as there. */
function selectOrReject (select: boolean, lookupAttr: boolean): FilterFn {
  return (env, value, args, kwargs) => {
    let next: Step | null = null
    let keep: (item: unknown) => boolean = () => true
    return generator('select_or_reject', () => {
      if (next === null) {
        if (!truthy(value)) return DONE
        keep = selectFunction(env, select, lookupAttr, args, kwargs)
        next = iterOf(value)
      }
      for (;;) {
        const item = next()
        if (item === DONE || keep(item)) return item
      }
    })
  }
}

/** prepare_select_or_reject: whether an item is kept. */
function selectFunction (env: RuntimeEnv, select: boolean, lookupAttr: boolean, args: unknown[], kwargs: Record<string, unknown>): (item: unknown) => boolean {
  let trans: Getter = x => x
  let off = 0
  if (lookupAttr) {
    if (args.length === 0) fail('Missing parameter for attribute name')
    trans = attrGetter(args[0])
    off = 1
  }
  let check: (x: unknown) => boolean = truthy
  if (args.length > off) {
    const name = args[off]
    const test = typeof name === 'string' && Object.hasOwn(TESTS, name) ? TESTS[name] : undefined
    if (test === undefined) fail(`${lookupAttr ? 'selectattr/rejectattr: the second' : 'select/reject: the first'} argument does not name a test of the template language`)
    const rest = args.slice(off + 1)
    if (Object.keys(kwargs).length > 0) fail('tests take no keyword arguments')
    check = x => test(env, x, rest)
  }
  return item => {
    charge(COST.item)
    return check(trans(item)) === select
  }
}

function attrFilter (_env: RuntimeEnv, value: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const { name } = bindArgs('attr', ['name'], {}, args, kwargs)
  if (isUndefined(value)) undefinedError(value)
  if (typeof name !== 'string') fail(`attribute name must be a string, not ${pyTypeName(name)}`)
  // Jinja2's attr() reads attributes only: a dict's keys are items, not attributes.
  if (isDict(value)) return SAFE_METHODS.dict.has(name as never) ? new BoundMethod(value, name) : UNDEFINED
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || value instanceof PyFloat) return UNDEFINED
  return getAttr(value, name)
}

const defaultFilter = withParams('default', ['default_value', 'boolean'], { default_value: '', boolean: false }, (_env, value, p) => {
  return isUndefined(value) || (truthy(p.boolean) && !truthy(value)) ? p.default_value : value
})

// --- Conduit's -------------------------------------------------------------------------------

function fromJsonFilter (_env: RuntimeEnv, value: unknown): unknown {
  if (typeof value !== 'string') {
    throw new TemplateRenderError(`from_json: expected a string, got ${isUndefined(value) ? 'an undefined value' : pyTypeName(value)}`)
  }
  chargeItems(value.length, COST.parse)
  return parseJson(value)
}

function base64EncodeFilter (_env: RuntimeEnv, value: unknown): string {
  const text = str(value)
  chargeItems(text.length)
  return built(Buffer.from(text, 'utf8').toString('base64'))
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })
/** What base64.b64decode(validate=True) accepts: the standard alphabet, padded, nothing else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function base64DecodeFilter (_env: RuntimeEnv, value: unknown): string {
  // Like base64_encode, the value as str() prints it: an Undefined decodes to '', None ('None') fails.
  const text = str(value)
  chargeItems(text.length)
  if (!BASE64.test(text)) throw new TemplateRenderError('base64_decode: the value is not valid padded base64')
  try {
    return UTF8.decode(Buffer.from(text, 'base64'))
  } catch {
    throw new TemplateRenderError('base64_decode: the decoded bytes are not valid UTF-8 text')
  }
}

/** A str built by a native routine whose length is known only afterwards (casing can lengthen it). */
function built (out: string): string {
  chargeString(out.length)
  return out
}

function lowerFilter (s: string): string {
  chargeChars(s)
  return built(s.toLowerCase())
}

function upperFilter (s: string): string {
  chargeChars(s)
  return built(s.toUpperCase())
}

function lengthFilter (_env: RuntimeEnv, value: unknown): number {
  if (value instanceof Namespace) fail("object of type 'Namespace' has no len()")
  return pyLen(value)
}

/**
 * Filters whose result stays Markup when their input is one (markupsafe's str methods, soft_str;
 * `last` reads reversed(seq), which indexes the str, and Markup's __getitem__ answers Markup).
 */
const MARKUP_KEEPING = new Set(['upper', 'lower', 'capitalize', 'trim', 'string', 'truncate', 'reverse', 'last'])
/** Filters that take a Markup input as it is (default passes it through; tojson and format read it). */
const MARKUP_AWARE = new Set(['default', 'd', 'tojson', 'format'])

/** Every other filter reads a Markup input as its text, as Jinja2's filters do with autoescape off. */
function markupInput<F extends FilterFn | BoundFilterFn> (name: string, fn: F): F {
  if (MARKUP_AWARE.has(name)) return fn
  const keep = MARKUP_KEEPING.has(name)
  const call = fn as (env: RuntimeEnv, value: unknown, a: never, b: never) => unknown
  return ((env: RuntimeEnv, value: unknown, a: never, b: never) => {
    if (!(value instanceof Markup)) return call(env, value, a, b)
    const out = call(env, value.text, a, b)
    return keep && typeof out === 'string' ? new Markup(out) : out
  }) as F
}

const RAW_FILTERS: Record<string, FilterFn> = {
  abs: noParams('abs', absFilter),
  attr: attrFilter,
  batch: batchFilter,
  capitalize: noParams('capitalize', (_env, value) => strCapitalize(str(value))),
  count: noParams('count', lengthFilter),
  default: defaultFilter,
  d: defaultFilter,
  dictsort: dictsortFilter,
  first: noParams('first', firstFilter),
  float: floatFilter,
  format: formatFilter,
  groupby: groupbyFilter,
  int: intFilter,
  items: noParams('items', itemsFilter),
  join: joinFilter,
  last: noParams('last', lastFilter),
  length: noParams('length', lengthFilter),
  list: noParams('list', listFilter),
  lower: noParams('lower', (_env, value) => lowerFilter(str(value))),
  map: mapFilter,
  max: minMax('max'),
  min: minMax('min'),
  replace: replaceFilter,
  reject: selectOrReject(false, false),
  rejectattr: selectOrReject(false, true),
  reverse: noParams('reverse', reverseFilter),
  round: roundFilter,
  select: selectOrReject(true, false),
  selectattr: selectOrReject(true, true),
  slice: sliceFilter,
  sort: sortFilter,
  string: noParams('string', (_env, value) => str(value)),
  sum: sumFilter,
  title: noParams('title', titleFilter),
  tojson: withParams('tojson', ['indent'], { indent: null }, (_env, value, p) => new Markup(toJson(value, p.indent))),
  trim: trimFilter,
  truncate: truncateFilter,
  unique: uniqueFilter,
  upper: noParams('upper', (_env, value) => upperFilter(str(value))),
  urlencode: noParams('urlencode', urlencodeFilter),
  wordcount: noParams('wordcount', wordcountFilter),
  from_json: noParams('from_json', fromJsonFilter),
  json_encode: withParams('json_encode', ['indent', 'sort_keys', 'separators'], { indent: null, sort_keys: false, separators: null },
    (_env, value, p) => jsonEncode(value, p.indent, truthy(p.sort_keys), p.separators)),
  base64_encode: noParams('base64_encode', base64EncodeFilter),
  base64_decode: base64DecodeFilter
}

/** Frozen, without a prototype: a name like 'constructor' or 'toString' finds nothing. */
export const FILTERS: Record<string, FilterFn> = registry(Object.fromEntries(
  Object.entries(RAW_FILTERS).map(([name, fn]) => [name, markupInput(name, fn)])
))

/** The signatures of the filters that have one, by filter name (frozen, without a prototype). */
export const FILTER_SIGNATURES: Record<string, FilterSignature> = registry(Object.fromEntries(
  Object.keys(RAW_FILTERS).flatMap(name => {
    const sig = SIGNATURES.get(RAW_FILTERS[name] as FilterFn)
    return sig === undefined ? [] : [[name, { ...sig, bound: markupInput(name, sig.bound) }]]
  })
))

/** `bound` of every filter with a signature, by name: what generated code calls. */
export const BOUND_FILTERS: Record<string, BoundFilterFn> = registry(Object.fromEntries(
  Object.entries(FILTER_SIGNATURES).map(([name, sig]) => [name, sig.bound])
))
