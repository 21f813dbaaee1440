// Python value semantics for the template runtime (SPEC §4.1). The mapping from Jinja2 values to JS:
//   None → null · Undefined → UNDEFINED (an Undefined instance) · bool → boolean · str → string
//   int → an integral JS number · float → a non-integral JS number, or a PyFloat for an integral
//   float (2.0) so that it prints as Python does · list → Array · tuple → Array marked by makeTuple()
//   dict → plain object (JSON.parse output and dict literals) · namespace() → Namespace
// Every helper here is total: it never throws on a value shape it does not know, except where
// Python itself raises (documented at the function).

import { TemplateRenderError } from '../types.js'
import { listKindRepr } from './list-kinds.js'
import { COST, chargeItems } from './budget.js'

/**
 * Jinja2's default Undefined: prints as '', is falsy, iterates as empty; attribute access on it is
 * an error whose message says where it came from (a missing name, or a missing attribute of a value).
 */
export class Undefined {
  readonly hint: string | undefined
  /** For a missing attribute or item: the Jinja2 description of the owner ('dict object', 'None'). */
  readonly owner: string | undefined
  readonly attr: string | undefined
  constructor (hint?: string, owner?: string, attr?: string) {
    this.hint = hint
    this.owner = owner
    this.attr = attr
  }

  /** Jinja2's UndefinedError message for this value. */
  describe (): string {
    // No attr: the name was computed from data and is not shown (SPEC §4.6).
    if (this.owner !== undefined) return this.attr === undefined ? `${this.owner} has no such attribute or item` : `${this.owner} has no attribute '${this.attr}'`
    if (this.hint !== undefined) return `'${this.hint}' is undefined`
    return 'the value is undefined'
  }
}
export const UNDEFINED = new Undefined()

export function isUndefined (v: unknown): v is Undefined {
  return v instanceof Undefined
}

/** An integral-valued float (2.0, float(3), 4 / 2). Non-integral floats are plain numbers. */
export class PyFloat {
  readonly value: number
  constructor (value: number) {
    this.value = value
  }
}

export function makeFloat (n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n
}

export function isInt (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v)
}

export function isFloat (v: unknown): v is number | PyFloat {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))
}

/** int, float or PyFloat (not bool, although Python's bool is an int subclass). */
export function isNumber (v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat
}

/** Numeric value of int, float, PyFloat or bool; NaN for anything else. */
export function toNumber (v: unknown): number {
  if (typeof v === 'number') return v
  if (v instanceof PyFloat) return v.value
  if (typeof v === 'boolean') return v ? 1 : 0
  return NaN
}

// Marks live beside the values (not as properties) so arrays keep their fast elements.
const TUPLES = new WeakSet<object>()
const TUPLE_FIELDS = new WeakMap<object, readonly string[]>()

export function makeTuple<T> (items: T[]): T[] {
  TUPLES.add(items)
  return items
}

/** A tuple whose items are also readable by name (Python namedtuple, e.g. groupby's grouper/list). */
export function makeNamedTuple<T> (items: T[], names: readonly string[]): T[] {
  TUPLES.add(items)
  TUPLE_FIELDS.set(items, names)
  return items
}

/** Index of a named field of a namedtuple, or -1. */
export function namedTupleIndex (v: unknown[], name: string): number {
  const names = TUPLE_FIELDS.get(v)
  return names === undefined ? -1 : names.indexOf(name)
}

export function isTuple (v: unknown): v is unknown[] {
  return Array.isArray(v) && TUPLES.has(v)
}

export function isList (v: unknown): v is unknown[] {
  return Array.isArray(v)
}

/** namespace(): the only object whose attributes templates may assign (`{% set ns.x = … %}`). */
export class Namespace {
  readonly attrs: Map<string, unknown>
  constructor (init?: Iterable<[string, unknown]>) {
    this.attrs = new Map(init)
  }
}

const ORIGINAL_KEYS = new WeakMap<object, Map<string, unknown>>()

/**
 * Stores `value` under a Python key of a dict literal. JS objects key by string, so a non-string key
 * (1, None, True) is remembered beside the dict for repr() and iteration.
 */
export function setDictKey (dict: Record<string, unknown>, key: unknown, value: unknown): void {
  const text = typeof key === 'string' ? key : pyStr(key)
  // Plain assignment would set the prototype for the name __proto__: define an own property instead.
  if (text === '__proto__') Object.defineProperty(dict, text, { value, enumerable: true, writable: true, configurable: true })
  else dict[text] = value
  if (typeof key === 'string') return
  let originals = ORIGINAL_KEYS.get(dict)
  if (originals === undefined) {
    originals = new Map()
    ORIGINAL_KEYS.set(dict, originals)
  }
  originals.set(text, key)
}

/** The Python keys of a dict, in insertion order. */
export function dictKeys (dict: Record<string, unknown>): unknown[] {
  const keys = Object.keys(dict)
  chargeItems(keys.length)
  const originals = ORIGINAL_KEYS.get(dict)
  return originals === undefined ? keys : keys.map(k => originals.has(k) ? originals.get(k) : k)
}

export function isDict (v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export function isString (v: unknown): v is string {
  return typeof v === 'string'
}

/** Python truthiness. */
export function truthy (v: unknown): boolean {
  if (v === null || v === undefined || v instanceof Undefined) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'number') return v !== 0
  if (v instanceof PyFloat) return v.value !== 0
  if (typeof v === 'string') return v.length > 0
  if (Array.isArray(v)) return v.length > 0
  if (isDict(v)) {
    for (const k in v) if (Object.hasOwn(v, k)) return true
    return false
  }
  return true
}

/** Python's str() of an int: no exponent notation, whatever the magnitude. */
function intToString (n: number): string {
  if (Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n)
  return BigInt(n).toString()
}

// One remembered repr: round() knows the decimal digits of its result, and the value is usually
// printed right after (`{{ x | round(2) }}`), so it need not run the shortest-digits search again.
let knownFloat = NaN
let knownRepr = ''

/** Records `text` as the repr of `n` (the caller guarantees it is exactly what floatRepr returns). */
export function rememberFloatRepr (n: number, text: string): void {
  knownFloat = n
  knownRepr = text
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function floatRepr (n: number): string {
  if (n === knownFloat && n !== 0) return knownRepr
  const abs = Math.abs(n)
  // Between 1e-4 and 1e16 JS and Python agree on the shortest round-trip digits.
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(n)
    return Number.isInteger(n) ? text + '.0' : text
  }
  if (Number.isNaN(n)) return 'nan'
  if (n === Infinity) return 'inf'
  if (n === -Infinity) return '-inf'
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0'
  const [mantissa, expText] = n.toExponential().split('e') as [string, string]
  const exp = Number(expText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const sign = negative ? '-' : ''
  if (exp >= -5 && exp < 16) {
    let text: string
    if (exp < 0) {
      text = '0.' + '0'.repeat(-exp - 1) + digits
    } else if (digits.length > exp + 1) {
      text = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1)
    } else {
      text = digits + '0'.repeat(exp + 1 - digits.length) + '.0'
    }
    // Python switches to exponent form below 1e-4.
    if (exp >= -4) return sign + text
  }
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits
  const e = Math.abs(exp) < 10 ? '0' + String(Math.abs(exp)) : String(Math.abs(exp))
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e}`
}

/** Python repr() of a str: single quotes unless the text has ' and no ". */
export function stringRepr (s: string): string {
  chargeItems(s.length, COST.parse)
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const code = ch.codePointAt(0) as number
    if (ch === '\\') out += '\\\\'
    else if (ch === quote) out += '\\' + quote
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else if (code >= 0x80 && code <= 0xa0) out += '\\x' + code.toString(16).padStart(2, '0')
    else if (code === 0xad) out += '\\xad'
    else if ((code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) out += '\\u' + code.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + quote
}

/** Python repr(). */
export function pyRepr (v: unknown): string {
  if (v === null || v === undefined) return 'None'
  if (v instanceof Undefined) return ''
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') return Number.isInteger(v) ? intToString(v) : floatRepr(v)
  if (v instanceof PyFloat) return floatRepr(v.value)
  if (typeof v === 'string') return stringRepr(v)
  if (Array.isArray(v)) {
    chargeItems(v.length)
    const special = listKindRepr(v, pyRepr)
    if (special !== undefined) return special
    const inner = v.map(pyRepr).join(', ')
    // Each level copies the text of the levels below it: charged, so nesting (or one list shared
    // many times) cannot multiply the work unseen.
    chargeItems(inner.length, 2)
    if (isTuple(v)) return v.length === 1 ? `(${inner},)` : `(${inner})`
    return `[${inner}]`
  }
  if (v instanceof Namespace) {
    return `<Namespace ${pyRepr(Object.fromEntries(v.attrs))}>`
  }
  if (isDict(v)) {
    const keys = dictKeys(v)
    const inner = Object.values(v).map((val, i) => `${pyRepr(keys[i])}: ${pyRepr(val)}`).join(', ')
    chargeItems(inner.length, 2)
    return '{' + inner + '}'
  }
  if (typeof v === 'function') return '<function>'
  return '<object>'
}

/** Python str(): what `{{ v }}` prints. */
export function pyStr (v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number') return Number.isInteger(v) ? intToString(v) : floatRepr(v)
  if (v instanceof Undefined) return ''
  return pyRepr(v)
}

/** Python ==, with int/float/bool numeric equality and deep list/dict equality. */
export function pyEquals (a: unknown, b: unknown): boolean {
  if (a === b) return true
  const aNum = isNumber(a) || typeof a === 'boolean'
  const bNum = isNumber(b) || typeof b === 'boolean'
  if (aNum && bNum) return toNumber(a) === toNumber(b)
  if (a instanceof Undefined && b instanceof Undefined) return true
  if (a === undefined) return b === null
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false
    chargeItems(a.length, COST.equality)
    return a.every((x, i) => pyEquals(x, b[i]))
  }
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a)
    chargeItems(ka.length, COST.equality)
    if (ka.length !== Object.keys(b).length) return false
    return ka.every(k => Object.hasOwn(b, k) && pyEquals(a[k], b[k]))
  }
  return false
}

/** Python type name, for error messages that match Jinja2's wording. */
export function pyTypeName (v: unknown): string {
  if (v === null || v === undefined) return 'NoneType'
  if (v instanceof Undefined) return 'Undefined'
  if (typeof v === 'boolean') return 'bool'
  if (isInt(v)) return 'int'
  if (isFloat(v)) return 'float'
  if (typeof v === 'string') return 'str'
  if (isTuple(v)) return 'tuple'
  if (Array.isArray(v)) return 'list'
  if (v instanceof Namespace) return 'Namespace'
  if (isDict(v)) return 'dict'
  return 'object'
}

/**
 * Python's < for sorting and comparisons. Raises (as a TemplateRenderError) where Python raises
 * TypeError: e.g. comparing str with int, or None with anything.
 */
export function pyLess (a: unknown, b: unknown): boolean {
  const aNum = isNumber(a) || typeof a === 'boolean'
  const bNum = isNumber(b) || typeof b === 'boolean'
  if (aNum && bNum) return toNumber(a) < toNumber(b)
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b) < 0
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    const n = Math.min(a.length, b.length)
    chargeItems(n)
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a[i], b[i])) return pyLess(a[i], b[i])
    }
    return a.length < b.length
  }
  throw new TemplateRenderError(`'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

/** Python compares strings by code point, JS by UTF-16 unit: they differ above U+FFFF. */
export function compareCodePoints (a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    // Below the first difference both strings agree, so two non-surrogate units are two code points.
    if ((x & 0xf800) !== 0xd800 && (y & 0xf800) !== 0xd800) return x < y ? -1 : 1
    return compareByIterator(a, b)
  }
  return a.length < b.length ? -1 : 1
}

function compareByIterator (a: string, b: string): number {
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done === true) return y.done === true ? 0 : -1
    if (y.done === true) return 1
    const cx = x.value.codePointAt(0) as number
    const cy = y.value.codePointAt(0) as number
    if (cx !== cy) return cx < cy ? -1 : 1
  }
}
