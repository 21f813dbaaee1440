// Python built-in behaviour the filters, tests and methods share: iteration, len(), hashing for
// set membership, sorted() with a key, + for sum(), and str methods whose Unicode rules differ from
// JavaScript's (whitespace set, code-point length, title/capitalize, islower/isupper).
import {
  Markup, PyDict, PyFloat, compareCodePoints, hashText, isInt, isUndefined, pyLess, sameOrEqual, pyTypeName, toNumber
} from '../values.js'
import { add } from '../operators.js'
import type { Undefined } from '../values.js'
import { DONE, PyIter, drain } from '../iterators.js'
import type { Step } from '../iterators.js'
import { TemplateRenderError } from '../../types.js'
import { COST, activeBudget, charge, chargeChars, chargeItems, chargeSort, chargeString } from '../budget.js'
import { TITLECASE_EXCEPTIONS } from '../unicode-tables.js'

export function fail (message: string): never {
  throw new TemplateRenderError(message)
}

/** Jinja2's UndefinedError for an operation the default Undefined refuses. */
export function undefinedError (v: Undefined): never {
  throw new TemplateRenderError(v.describe())
}

function hasAstral (s: string): boolean {
  return /[\ud800-\udfff]/.test(s)
}

/** A str as Python sees it: one element per code point (a lone surrogate is one too). */
export function codePoints (s: string): string[] {
  chargeItems(s.length, COST.codePoint)
  return hasAstral(s) ? Array.from(s) : s.split('')
}

function isHigh (c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}

function isLow (c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}

/** Code points of a str with surrogates, counted without building anything. */
function countCodePoints (s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++
    n++
  }
  return n
}

/** Shorter strs are measured directly each time; longer ones once per render (codePointIndex). */
const INDEXED_LENGTH = 256

/**
 * For a long str: null when it has no surrogates (UTF-16 index = code point index), otherwise the
 * UTF-16 offset of every code point plus s.length at the end. Indexing a str by code point in a loop
 * would rescan it each time: the answer for the last str asked is kept for the render in progress
 * (on its budget object, so it goes when the render ends).
 */
function codePointIndex (s: string): Uint32Array | null {
  const budget = activeBudget()
  if (budget.offsetsOf === s && budget.offsets !== undefined) return budget.offsets
  chargeChars(s)
  let offsets: Uint32Array | null = null
  if (hasAstral(s)) {
    chargeItems(s.length)
    const all = new Uint32Array(s.length + 1)
    let n = 0
    for (let i = 0; i < s.length; i++) {
      all[n++] = i
      if (isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1))) i++
    }
    all[n] = s.length
    offsets = all.subarray(0, n + 1)
  }
  budget.offsetsOf = s
  budget.offsets = offsets
  return offsets
}

/** len(s): code points, counted without building anything. */
export function strLen (s: string): number {
  if (s.length <= INDEXED_LENGTH) {
    charge(1)
    return hasAstral(s) ? countCodePoints(s) : s.length
  }
  const offsets = codePointIndex(s)
  return offsets === null ? s.length : offsets.length - 1
}

/** s[i] by code point, i already within 0 ≤ i < len(s). */
export function strCharAt (s: string, i: number): string {
  if (s.length <= INDEXED_LENGTH) {
    charge(1)
    return hasAstral(s) ? Array.from(s)[i] as string : s[i] as string
  }
  const offsets = codePointIndex(s)
  return offsets === null ? s[i] as string : s.slice(offsets[i], offsets[i + 1])
}

/** Python's s[start:end] with non-negative, already-clamped bounds, by code point. */
export function strSlice (s: string, start: number, end?: number): string {
  if (s.length <= INDEXED_LENGTH) {
    charge(1)
    return hasAstral(s) ? Array.from(s).slice(start, end).join('') : s.slice(start, end)
  }
  const offsets = codePointIndex(s)
  if (offsets === null) return s.slice(start, end)
  const n = offsets.length - 1
  const a = Math.min(start, n)
  const b = end === undefined ? n : Math.min(Math.max(end, a), n)
  return s.slice(offsets[a], offsets[b])
}

/** iter(value) as a list. Undefined iterates as empty (Jinja2's default Undefined); an iterator is drained. */
export function iterate (value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (value instanceof PyIter) return drain(value)
  if (typeof value === 'string') return codePoints(value)
  if (value instanceof Markup) return codePoints(value.text)
  if (isUndefined(value)) return []
  if (value instanceof PyDict) {
    chargeItems(value.size)
    return value.keys()
  }
  return fail(`'${pyTypeName(value)}' object is not iterable`)
}

/**
 * iter(value) for a consumer that pulls: the next item per call, DONE at the end. A list is read
 * live (an item appended before the consumer gets there is seen, as in Python); an iterator is
 * shared (what one consumer takes, the next does not see). Raises for a value that is not iterable.
 */
export function iterOf (value: unknown): Step {
  if (value instanceof PyIter) return () => value.next()
  const items = iterate(value)
  let i = 0
  return () => {
    if (i < items.length) return items[i++]
    // Exhausted for good, like Python's list iterator, even if the list grows later.
    i = Infinity
    return DONE
  }
}

/** `item in it` on an iterator: reads it up to the first equal item (what is read is gone). */
export function iteratorContains (it: PyIter, item: unknown): boolean {
  for (let x = it.next(); x !== DONE; x = it.next()) {
    charge(COST.item)
    if (sameOrEqual(x, item)) return true
  }
  return false
}

export function isIterable (value: unknown): boolean {
  return Array.isArray(value) || typeof value === 'string' || isUndefined(value) || value instanceof PyDict || value instanceof Markup ||
    value instanceof PyIter
}

/** len(value). */
export function pyLen (value: unknown): number {
  if (Array.isArray(value)) return value.length
  if (typeof value === 'string') return strLen(value)
  if (value instanceof Markup) return strLen(value.text)
  if (isUndefined(value)) return 0
  if (value instanceof PyDict) return value.size
  return fail(`object of type '${pyTypeName(value)}' has no len()`)
}

/** A string equal for values Python considers equal and hashable; raises for unhashable ones. */
export const hashKey = hashText

/** Python's ignore_case postprocess of Jinja2's sort/unique/min/max/groupby. */
export function ignoreCase (value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value
}

function compare (a: unknown, b: unknown): number {
  if (pyLess(a, b)) return -1
  if (pyLess(b, a)) return 1
  return 0
}

function compareNumbers (a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Python's < on numbers (int, float, bool) is plain <, on strs code-point order: no pyLess needed. */
function keyKind (keys: readonly unknown[]): 'number' | 'string' | 'other' {
  if (keys.length === 0) return 'other'
  const first = keys[0]
  // A bigint key needs exact comparison: the 'other' path (pyLess).
  const numeric = typeof first === 'number' || typeof first === 'boolean' || first instanceof PyFloat
  if (!numeric && typeof first !== 'string') return 'other'
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]
    const ok = numeric ? typeof k === 'number' || typeof k === 'boolean' || k instanceof PyFloat : typeof k === 'string'
    if (!ok) return 'other'
  }
  return numeric ? 'number' : 'string'
}

/** True when every key is a number (int, float, bool) or every key is a str. */
export function isNumberOrStrKeys (keys: readonly unknown[]): boolean {
  return keyKind(keys) !== 'other'
}

/**
 * sorted(items) by precomputed keys (keys[i] belongs to items[i]): stable, equal keys keep their
 * order either way. Homogeneous numeric or str keys are compared directly, anything else by pyLess.
 */
export function sortByKeys<T> (items: readonly T[], keys: readonly unknown[], reverse = false, charged = false): T[] {
  const n = items.length
  if (!charged) chargeSort(n)
  const kind = keyKind(keys)
  if (kind === 'number') {
    const nums = new Float64Array(n)
    let nan = false
    for (let i = 0; i < n; i++) {
      nums[i] = toNumber(keys[i])
      if (Number.isNaN(nums[i])) nan = true
    }
    if (!nan) return sortByNumbers(items, nums, reverse)
    const order = indices(n)
    order.sort(reverse ? (i, j) => compareNumbers(nums[j] as number, nums[i] as number) : (i, j) => compareNumbers(nums[i] as number, nums[j] as number))
    return pick(items, order)
  }
  if (kind === 'string') {
    const strs = keys as readonly string[]
    const order = indices(n)
    order.sort(reverse ? (i, j) => compareCodePoints(strs[j] as string, strs[i] as string) : (i, j) => compareCodePoints(strs[i] as string, strs[j] as string))
    return pick(items, order)
  }
  const order = indices(n)
  order.sort(reverse ? (i, j) => compare(keys[j], keys[i]) : (i, j) => compare(keys[i], keys[j]))
  return pick(items, order)
}

function indices (n: number): number[] {
  const order = new Array<number>(n)
  for (let i = 0; i < n; i++) order[i] = i
  return order
}

function pick<T> (items: readonly T[], order: readonly number[]): T[] {
  const out = new Array<T>(order.length)
  for (let i = 0; i < order.length; i++) out[i] = items[order[i] as number] as T
  return out
}

/**
 * Stable sort by NaN-free numeric keys without a JS comparator: the keys are sorted natively, then
 * each item goes to the first free slot of its key's run (found by binary search), so equal keys
 * keep their original order, also when reversed, as in Python.
 */
function sortByNumbers<T> (items: readonly T[], nums: Float64Array, reverse: boolean): T[] {
  const n = items.length
  const sorted = nums.slice().sort()
  const used = new Int32Array(n)
  const ends = new Int32Array(reverse ? n : 0)
  const out = new Array<T>(n)
  for (let i = 0; i < n; i++) {
    const key = nums[i] as number
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((sorted[mid] as number) < key) lo = mid + 1
      else hi = mid
    }
    let start = lo
    if (reverse) {
      // The run's end, found once per run: a run of equal keys sits at the other end when reversed.
      let end = ends[lo] as number
      if (end === 0) {
        end = lo + 1
        while (end < n && (sorted[end] as number) === key) end++
        ends[lo] = end
      }
      start = n - end
    }
    out[start + (used[lo] as number)] = items[i] as T
    used[lo] = (used[lo] as number) + 1
  }
  return out
}

/** sorted(items, key=key, reverse=reverse): stable, equal keys keep their order either way. */
export function pySorted<T> (items: readonly T[], key: (item: T) => unknown, reverse = false): T[] {
  chargeItems(items.length, COST.part)
  // Charged before the keys are computed: a sort the budget cannot afford fails before that work.
  chargeSort(items.length)
  return sortByKeys(items, items.map(key), reverse, true)
}

/** Python's binary + as sum() applies it. */
export function pyAdd (a: unknown, b: unknown): unknown {
  return add(a, b)
}

/** An int argument (bool counts, as in Python); raises for anything else. */
export function intArg (value: unknown, what: string): number {
  if (isInt(value)) return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value === 'bigint') return fail(`${what}: Python int too large to convert to C ssize_t`)
  if (value instanceof PyFloat || typeof value === 'number') return fail(`${what}: 'float' object cannot be interpreted as an integer`)
  if (isUndefined(value)) undefinedError(value)
  return fail(`${what}: '${pyTypeName(value)}' object cannot be interpreted as an integer`)
}

// --- str ------------------------------------------------------------------------------------

/** str.isspace() characters: Python's whitespace set differs from JavaScript's \s. */
export const PY_WHITESPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const WS_RUN = new RegExp(`[${PY_WHITESPACE}]+`)

/** str.isspace() of one UTF-16 unit (every Python whitespace character is in the BMP). */
export function isPySpace (c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)
  if (c < 0x85) return false
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
}

/**
 * s without leading and/or trailing characters for which `isSpace` holds: one scan from each end,
 * linear whatever the input (a regular expression for trailing whitespace backtracks quadratically).
 */
export function stripBy (s: string, left: boolean, right: boolean, isSpace: (c: number) => boolean): string {
  let start = 0
  let end = s.length
  if (left) while (start < end && isSpace(s.charCodeAt(start))) start++
  if (right) while (end > start && isSpace(s.charCodeAt(end - 1))) end--
  return start === 0 && end === s.length ? s : s.slice(start, end)
}

export function strStrip (s: string, chars: unknown, left: boolean, right: boolean, name = 'strip'): string {
  chargeChars(s)
  if (chars === null || chars === undefined) return stripBy(s, left, right, isPySpace)
  if (typeof chars !== 'string') return fail(`${name} arg must be None or str`)
  const set = new Set(codePoints(chars))
  if (!hasAstral(s) && !hasAstral(chars)) return stripBy(s, left, right, c => set.has(String.fromCharCode(c)))
  const cps = codePoints(s)
  let start = 0
  let end = cps.length
  if (left) while (start < end && set.has(cps[start] as string)) start++
  if (right) while (end > start && set.has(cps[end - 1] as string)) end--
  return cps.slice(start, end).join('')
}

export function strSplit (s: string, sep: unknown, maxsplit: unknown): string[] {
  // maxsplit=None is a TypeError in Python (sep=None is the whitespace split).
  let max = maxsplit === undefined ? -1 : intArg(maxsplit, 'split')
  if (max < 0) max = Infinity
  // At most one piece per two characters (or per separator): charged before they are cut.
  chargeItems(typeof sep === 'string' && sep.length > 0 ? s.length / sep.length : s.length / 2, COST.part)
  if (sep === null || sep === undefined) {
    const out: string[] = []
    let rest = stripBy(s, true, false, isPySpace)
    while (rest.length > 0) {
      if (out.length >= max) {
        out.push(rest)
        break
      }
      const m = WS_RUN.exec(rest)
      if (m === null) {
        out.push(rest)
        break
      }
      out.push(rest.slice(0, m.index))
      rest = rest.slice(m.index + m[0].length)
    }
    return out
  }
  if (typeof sep !== 'string') return fail(`must be str or None, not ${pyTypeName(sep)}`)
  if (sep === '') return fail('empty separator')
  const out: string[] = []
  let rest = s
  for (;;) {
    const i = out.length < max ? rest.indexOf(sep) : -1
    if (i < 0) {
      out.push(rest)
      return out
    }
    out.push(rest.slice(0, i))
    rest = rest.slice(i + sep.length)
  }
}

export function strReplace (s: string, old: string, replacement: string, count: number): string {
  if (count < 0) count = Infinity
  chargeChars(s)
  if (old === '') {
    const cps = codePoints(s)
    chargeString(s.length + Math.min(count, cps.length + 1) * replacement.length)
    let out = ''
    let n = 0
    for (let i = 0; i <= cps.length; i++) {
      if (n < count) {
        out += replacement
        n++
      }
      if (i < cps.length) out += cps[i] as string
    }
    return out
  }
  if (count === Infinity) {
    const parts = s.split(old)
    chargeItems(parts.length)
    chargeString(s.length + (parts.length - 1) * (replacement.length - old.length))
    return parts.join(replacement)
  }
  if (replacement.length > old.length) {
    // The result's size is known before it is built: count the occurrences first.
    let found = 0
    for (let i = s.indexOf(old); i >= 0 && found < count; i = s.indexOf(old, i + old.length)) found++
    chargeString(s.length + found * (replacement.length - old.length))
  }
  let out = ''
  let rest = s
  for (let n = 0; n < count; n++) {
    const i = rest.indexOf(old)
    if (i < 0) break
    out += rest.slice(0, i) + replacement
    rest = rest.slice(i + old.length)
  }
  return out + rest
}

const CASED = /\p{Cased}/u
const CASE_IGNORABLE = /\p{Case_Ignorable}/u
const LOWER = /\p{Lowercase}/u
const UPPER_OR_TITLE = /[\p{Uppercase}\p{Lt}]/u
const UPPER = /\p{Uppercase}/u
const LOWER_OR_TITLE = /[\p{Lowercase}\p{Lt}]/u

export function isCased (ch: string): boolean {
  return CASED.test(ch)
}

/** Unicode Final_Sigma, as Python applies it when lowering a capital sigma inside a string. */
function isFinalSigma (cps: readonly string[], i: number): boolean {
  let j = i - 1
  while (j >= 0 && CASE_IGNORABLE.test(cps[j] as string)) j--
  if (j < 0 || !CASED.test(cps[j] as string)) return false
  let k = i + 1
  while (k < cps.length && CASE_IGNORABLE.test(cps[k] as string)) k++
  return k >= cps.length || !CASED.test(cps[k] as string)
}

/** str.islower(): at least one cased character, and no uppercase or titlecase one. */
export function strIsLower (s: string): boolean {
  chargeItems(s.length, COST.unicodeChar)
  let cased = false
  for (const ch of s) {
    if (UPPER_OR_TITLE.test(ch)) return false
    if (LOWER.test(ch)) cased = true
  }
  return cased
}

export function strIsUpper (s: string): boolean {
  chargeItems(s.length, COST.unicodeChar)
  let cased = false
  for (const ch of s) {
    if (LOWER_OR_TITLE.test(ch)) return false
    if (UPPER.test(ch)) cased = true
  }
  return cased
}

/**
 * Python's titlecase of one character. JavaScript has only upper: its first character with the rest
 * lowered is the titlecase (ß → Ss, ﬁ → Fi) but for the characters of the generated table.
 */
function titleCase (ch: string): string {
  const special = TITLECASE_EXCEPTIONS[ch.codePointAt(0) as number]
  if (special !== undefined) return special
  const upper = ch.toUpperCase()
  const cps = codePoints(upper)
  return cps.length > 1 ? (cps[0] as string) + cps.slice(1).join('').toLowerCase() : upper
}

/** str.title(): a cased character after an uncased one starts a word ("they're" → "They'Re"). */
export function strTitle (s: string): string {
  chargeItems(s.length, COST.unicodeChar)
  const cps = codePoints(s)
  let out = ''
  let previousCased = false
  cps.forEach((ch, i) => {
    if (!previousCased) out += titleCase(ch)
    else if (ch === '\u03a3') out += isFinalSigma(cps, i) ? '\u03c2' : '\u03c3'
    else out += ch.toLowerCase()
    previousCased = isCased(ch)
  })
  return out
}

/** str.capitalize(): first character upper, the rest lower. */
export function strCapitalize (s: string): string {
  chargeChars(s)
  if (s.length === 0) return s
  const first = String.fromCodePoint(s.codePointAt(0) as number)
  // Lowering the whole string keeps the context a final sigma depends on.
  return titleCase(first) + s.toLowerCase().slice(first.toLowerCase().length)
}

/** Python's optional str-slice bounds (start/end of startswith), clamped, by code point. */
export function sliceBounds (length: number, start: unknown, end: unknown): [number, number] {
  const norm = (v: unknown, dflt: number): number => {
    if (v === null || v === undefined) return dflt
    let n = intArg(v, 'slice indices')
    if (n < 0) n = Math.max(0, length + n)
    return Math.min(n, length)
  }
  return [norm(start, 0), norm(end, length)]
}

const NON_ASCII = /[\u0080-\uffff]/
const DECIMAL_DIGIT = /\p{Nd}/u

/**
 * Python's int() and float() read any Unicode decimal digit ('١٢' is 12): each is replaced by its
 * ASCII digit. Unicode lays every set of decimal digits out as a run of ten from its zero (the
 * mathematical digits as five such runs back to back), so a digit's value is its offset in the run.
 */
export function asciiDigits (s: string): string {
  if (!NON_ASCII.test(s)) return s
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number
    if (cp > 0x7f && DECIMAL_DIGIT.test(ch)) {
      let zero = cp
      while (cp - zero < 50 && DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--
      out += String((cp - zero) % 10)
    } else {
      out += ch
    }
  }
  return out
}
