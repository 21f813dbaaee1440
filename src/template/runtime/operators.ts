// Arithmetic, concatenation, comparison and membership with Python semantics (SPEC §4.1): int and
// float stay distinct (true division always gives a float), floor division and modulo take the sign
// of the divisor, str * int repeats, list + list concatenates, and Python's TypeError and
// ZeroDivisionError become TemplateRenderErrors.
import { TemplateRenderError } from '../types.js'
import { LIMITS } from './env.js'
import {
  Markup, PyComplex, PyDict, PyFloat, Undefined, floatRepr, htmlEscape, unmark, isFloat, isInt, isNumber, isTuple, makeFloat, makeTuple, normInt,
  pyEquals, pyLess, pyRepr, pyStr, pyTypeName, toBigInt, toNumber
} from './values.js'
import { isTemplateObject } from './access.js'
import { listKindName } from './list-kinds.js'

function undefinedCheck (v: unknown): void {
  if (v instanceof Undefined) throw new TemplateRenderError(v.describe())
}

function isNumeric (v: unknown): boolean {
  return isNumber(v) || typeof v === 'boolean'
}

function isIntLike (v: unknown): v is IntLike {
  return isInt(v) || typeof v === 'boolean' || typeof v === 'bigint'
}

type IntLike = number | bigint | boolean

/** True when the Python result of an arithmetic operation on a and b is an int. */
function bothInts (a: unknown, b: unknown): boolean {
  return isIntLike(a) && isIntLike(b)
}

/**
 * Python ints are exact at any size; beyond 2^53 they are bigints here. Python 3.11 refuses to print
 * an int of more than 4300 digits, so no int may grow past that (a bound on the work, too).
 */
const MAX_INT_BITS = 14_300

function boundedBig (n: bigint): number | bigint {
  if ((n < 0n ? -n : n) >> BigInt(MAX_INT_BITS) > 0n) throw new TemplateRenderError('int too large: more than 4300 digits')
  return normInt(n)
}

/** An int operation: on doubles while the result is exact, else on bigints. */
function intOp (a: IntLike, b: IntLike, num: (x: number, y: number) => number, big: (x: bigint, y: bigint) => bigint): number | bigint {
  if (typeof a !== 'bigint' && typeof b !== 'bigint') {
    const r = num(toNumber(a), toNumber(b))
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r
  }
  return boundedBig(big(toBigInt(a), toBigInt(b)))
}

/** A list or tuple: range() results and dict views neither concatenate nor repeat. */
function isPlainSequence (v: unknown): v is unknown[] {
  return Array.isArray(v) && listKindName(v) === undefined
}

function unsupported (op: string, a: unknown, b: unknown): never {
  undefinedCheck(a)
  undefinedCheck(b)
  throw new TemplateRenderError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

function numResult (n: number, ints: boolean): number | import('./values.js').PyFloat {
  // Python ints have no negative zero.
  if (ints) return n === 0 ? 0 : n
  return makeFloat(n)
}

/** Strings never outgrow the largest output; lists stay far below it (each item costs more). */
const MAX_LIST_ITEMS = 1_000_000

function boundedLength (n: number): void {
  if (n > LIMITS.bodyOutputBytes) throw new TemplateRenderError(`result too large: more than ${LIMITS.bodyOutputBytes} characters`)
}

function boundedItems (n: number): void {
  if (n > MAX_LIST_ITEMS) throw new TemplateRenderError(`result too large: more than ${MAX_LIST_ITEMS} items`)
}

function repeat (seq: unknown, times: unknown): unknown {
  const n = Math.max(0, toNumber(times))
  if (typeof seq === 'string') {
    boundedLength(seq.length * n)
    return seq.repeat(n)
  }
  const list = seq as unknown[]
  boundedItems(list.length * n)
  const out: unknown[] = []
  for (let i = 0; i < n; i++) out.push(...list)
  return isTuple(list) ? makeTuple(out) : out
}

export function add (a: unknown, b: unknown): unknown {
  // Markup + str escapes the str (and str + Markup, through Markup.__radd__).
  if (a instanceof Markup && (typeof b === 'string' || b instanceof Markup)) return new Markup(add(a.text, markupText(b)) as string)
  if (b instanceof Markup && typeof a === 'string') return new Markup(add(htmlEscape(a), b.text) as string)
  if (a instanceof Markup) return add(a.text, b)
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x + y, (x, y) => x + y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) + toNumber(b), false)
  if (typeof a === 'string' && typeof b === 'string') {
    boundedLength(a.length + b.length)
    return a + b
  }
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b) && listKindName(a) === undefined && listKindName(b) === undefined) {
    boundedItems(a.length + b.length)
    const out = [...a, ...b]
    return isTuple(a) ? makeTuple(out) : out
  }
  if (typeof a === 'string' || (Array.isArray(a) && listKindName(a) === undefined)) {
    undefinedCheck(b)
    throw new TemplateRenderError(`can only concatenate ${pyTypeName(a)} (not "${pyTypeName(b)}") to ${pyTypeName(a)}`)
  }
  return unsupported('+', a, b)
}

export function sub (a: unknown, b: unknown): unknown {
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x - y, (x, y) => x - y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) - toNumber(b), false)
  return unsupported('-', a, b)
}

export function mul (a: unknown, b: unknown): unknown {
  if (a instanceof Markup || b instanceof Markup) {
    const out = mul(unmark(a), unmark(b))
    return typeof out === 'string' ? new Markup(out) : out
  }
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x * y, (x, y) => x * y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) * toNumber(b), false)
  if ((typeof a === 'string' || isPlainSequence(a)) && (isInt(b) || typeof b === 'boolean')) return repeat(a, b)
  if ((typeof b === 'string' || isPlainSequence(b)) && (isInt(a) || typeof a === 'boolean')) return repeat(b, a)
  return unsupported('*', a, b)
}

export function truediv (a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('/', a, b)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError('division by zero')
  return makeFloat(toNumber(a) / y)
}

export function floordiv (a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('//', a, b)
  const ints = bothInts(a, b)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError(ints ? 'integer division or modulo by zero' : 'float floor division by zero')
  if (ints) {
    return intOp(a as IntLike, b as IntLike, (p, q) => Math.floor(p / q), (p, q) => {
      const quotient = p / q
      return (p % q !== 0n) && ((p < 0n) !== (q < 0n)) ? quotient - 1n : quotient
    })
  }
  return makeFloat(floatFloorDiv(toNumber(a), y))
}

/** CPython's float floor division (float_floor_div): exact where x / y rounds up, e.g. 1 // 0.1 == 9.0. */
function floatFloorDiv (x: number, y: number): number {
  let mod = x % y
  let div = (x - mod) / y
  if (mod !== 0) {
    if ((y < 0) !== (mod < 0)) {
      mod += y
      div -= 1
    }
  }
  if (div === 0) return (x / y) < 0 || Object.is(x / y, -0) ? -0 : 0
  let floor = Math.floor(div)
  if (div - floor > 0.5) floor += 1
  return floor
}

/** The text a Markup operation joins: a Markup as it is, a str escaped. */
function markupText (v: string | Markup): string {
  return v instanceof Markup ? v.text : htmlEscape(v)
}

/** Markup % args: str arguments are escaped first. */
function escapeArgs (v: unknown): unknown {
  if (typeof v === 'string') return htmlEscape(v)
  if (isTuple(v)) return makeTuple(v.map(escapeArgs))
  return unmark(v)
}

export function mod (a: unknown, b: unknown): unknown {
  if (a instanceof Markup) return new Markup(mod(a.text, escapeArgs(b)) as string)
  if (b instanceof Markup) return mod(a, b.text)
  if (typeof a === 'string') return formatPercent(a, b)
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('%', a, b)
  const ints = bothInts(a, b)
  const x = toNumber(a)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError(ints ? 'integer modulo by zero' : 'float modulo')
  if (ints && (typeof a === 'bigint' || typeof b === 'bigint')) {
    const p = toBigInt(a as IntLike)
    const q = toBigInt(b as IntLike)
    let m = p % q
    if (m !== 0n && (m < 0n) !== (q < 0n)) m += q
    return normInt(m)
  }
  let r = x % y
  if (r !== 0 && (r < 0) !== (y < 0)) r += y
  // Python gives a zero remainder the sign of the divisor.
  if (r === 0) r = y < 0 && !ints ? -0 : 0
  return numResult(r, ints)
}

export function pow (a: unknown, b: unknown): unknown {
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('** or pow()', a, b)
  const x = toNumber(a)
  const y = toNumber(b)
  if (x === 0 && y < 0) throw new TemplateRenderError('0.0 cannot be raised to a negative power')
  if (bothInts(a, b) && y >= 0) {
    const base = toBigInt(a as IntLike)
    const bits = base === 0n || base === 1n || base === -1n ? 0 : (base < 0n ? -base : base).toString(2).length
    if (bits * y > MAX_INT_BITS) throw new TemplateRenderError('int too large: more than 4300 digits')
    return intOp(a as IntLike, b as IntLike, (p, q) => p ** q, (p, q) => p ** q)
  }
  // A negative number to a fractional power is complex in Python (CPython's c_pow on (x, 0)).
  if (x < 0 && !Number.isInteger(y) && Number.isFinite(y)) {
    const len = (-x) ** y
    const phase = Math.PI * y
    return new PyComplex(len * Math.cos(phase), len * Math.sin(phase))
  }
  const r = Number.isInteger(y) && y < 0 ? negativePow(x, y) : x ** y
  // Python raises where a float power overflows; JS would print inf.
  if ((r === Infinity || r === -Infinity) && Number.isFinite(x) && Number.isFinite(y) && x !== 0) throw new TemplateRenderError('(34, \'Numerical result out of range\')')
  return makeFloat(r)
}

/**
 * x ** -n: Python calls C pow(), correctly rounded here (7 ** -2 == 0.02040816326530612,
 * 1e16 ** -2 == 1e-32); JS's ** can be off by one ulp. 1 / x**n rounds once more, but x**n is
 * exact for small integers and a single correctly rounded product for |n| <= 2.
 */
function negativePow (x: number, y: number): number {
  // V8's ** is not correctly rounded even for squares (1e16 ** 2); a product is.
  const positive = y === -1 ? x : y === -2 ? x * x : x ** -y
  if (Number.isFinite(positive) && positive !== 0 && (Number.isSafeInteger(positive) || y >= -2)) return 1 / positive
  return x ** y
}

export function neg (a: unknown): unknown {
  if (typeof a === 'boolean') return a ? -1 : 0
  if (typeof a === 'bigint') return normInt(-a)
  if (typeof a === 'number') return isFloat(a) ? makeFloat(-a) : a === 0 ? 0 : -a
  if (a instanceof PyFloat) return makeFloat(-a.value)
  undefinedCheck(a)
  throw new TemplateRenderError(`bad operand type for unary -: '${pyTypeName(a)}'`)
}

export function pos (a: unknown): unknown {
  if (typeof a === 'boolean') return a ? 1 : 0
  if (isNumber(a)) return a
  undefinedCheck(a)
  throw new TemplateRenderError(`bad operand type for unary +: '${pyTypeName(a)}'`)
}

/** `a ~ b`: both sides converted with str(). */
export function concat (a: unknown, b: unknown): string {
  const s = pyStr(a) + pyStr(b)
  boundedLength(s.length)
  return s
}

function comparable (a: unknown, b: unknown, op: string): void {
  undefinedCheck(a)
  undefinedCheck(b)
  a = unmark(a)
  b = unmark(b)
  const ok = (isNumeric(a) && isNumeric(b)) || (typeof a === 'string' && typeof b === 'string') ||
    (isPlainSequence(a) && isPlainSequence(b) && isTuple(a) === isTuple(b))
  if (!ok) throw new TemplateRenderError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

export function eq (a: unknown, b: unknown): boolean { return pyEquals(a, b) }
export function ne (a: unknown, b: unknown): boolean { return !pyEquals(a, b) }
export function lt (a: unknown, b: unknown): boolean { comparable(a, b, '<'); return pyLess(a, b) }
export function gt (a: unknown, b: unknown): boolean { comparable(a, b, '>'); return pyLess(b, a) }
export function le (a: unknown, b: unknown): boolean { comparable(a, b, '<='); return !pyLess(b, a) }
export function ge (a: unknown, b: unknown): boolean { comparable(a, b, '>='); return !pyLess(a, b) }

/** `item in container`. */
export function contains (container: unknown, item: unknown): boolean {
  if (container instanceof Markup) container = container.text
  if (item instanceof Markup && typeof container === 'string') item = item.text
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      undefinedCheck(item)
      throw new TemplateRenderError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`)
    }
    return container.includes(item)
  }
  if (Array.isArray(container)) return container.some(x => pyEquals(x, item))
  if (container instanceof PyDict) return container.has(item)
  if (container instanceof Undefined) return false
  if (isTemplateObject(container)) return false
  throw new TemplateRenderError(`argument of type '${pyTypeName(container)}' is not iterable`)
}

// ---- printf-style formatting: 'Hello %s' % name ----

const SPEC_RE = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?([\s\S]?)/g
const CONVERSIONS = 'diouxXeEfFgGcrsa%'

function pad (s: string, flags: string, width: number | undefined): string {
  if (width === undefined || s.length >= width) return s
  if (flags.includes('-')) return s.padEnd(width)
  if (flags.includes('0') && /^[+-]?\d/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] as string : ''
    return sign + s.slice(sign.length).padStart(width - sign.length, '0')
  }
  return s.padStart(width)
}

function signed (s: string, n: number, flags: string): string {
  if (n >= 0 && !Object.is(n, -0)) {
    if (flags.includes('+')) return '+' + s
    if (flags.includes(' ')) return ' ' + s
  }
  return s
}

function needNumber (v: unknown, conv: string): number {
  if (isNumeric(v)) return toNumber(v)
  undefinedCheck(v)
  throw new TemplateRenderError(`%${conv} format: a real number is required, not ${pyTypeName(v)}`)
}

function formatOne (conv: string, flags: string, precision: number | undefined, v: unknown): string {
  switch (conv) {
    case 's': { const s = pyStr(v); return precision === undefined ? s : s.slice(0, precision) }
    case 'r': case 'a': return pyRepr(v)
    case 'd': case 'i': case 'u': {
      if (typeof v === 'bigint') return signed((v < 0n ? -v : v).toString().padStart(precision ?? 0, '0'), Number(v), flags).replace(/^/, v < 0n ? '-' : '')
      const n = Math.trunc(needNumber(v, conv))
      return signed(String(Math.abs(n)).padStart(precision ?? 0, '0'), n, flags).replace(/^/, n < 0 ? '-' : '')
    }
    case 'x': case 'X': case 'o': {
      const n = typeof v === 'bigint' ? Number(v) : Math.trunc(needNumber(v, conv))
      let s = typeof v === 'bigint' ? (v < 0n ? -v : v).toString(conv === 'o' ? 8 : 16) : Math.abs(n).toString(conv === 'o' ? 8 : 16)
      if (conv === 'X') s = s.toUpperCase()
      if (flags.includes('#')) s = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + s
      return (n < 0 ? '-' : '') + signed(s, n, flags)
    }
    case 'f': case 'F': {
      const n = needNumber(v, conv)
      if (!Number.isFinite(n)) return floatRepr(n)
      return signed(n.toFixed(precision ?? 6), n, flags)
    }
    case 'e': case 'E': {
      const n = needNumber(v, conv)
      let s = n.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2')
      if (conv === 'E') s = s.toUpperCase()
      return signed(s, n, flags)
    }
    case 'g': case 'G': {
      const n = needNumber(v, conv)
      const p = precision === 0 ? 1 : precision ?? 6
      const exp = n === 0 ? 0 : Math.floor(Math.log10(Math.abs(n)))
      let s = exp < -4 || exp >= p
        ? n.toExponential(p - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2')
        : String(Number(n.toPrecision(p)))
      if (conv === 'G') s = s.toUpperCase()
      return signed(s, n, flags)
    }
    case 'c':
      if (typeof v === 'string' && [...v].length === 1) return v
      if (isInt(v)) return String.fromCodePoint(v)
      throw new TemplateRenderError('%c requires an int or a single character')
  }
  return ''
}

export function formatPercent (fmt: string, args: unknown): string {
  const positional = isTuple(args) ? args : null
  const mapping = args instanceof PyDict ? args : null
  let index = 0
  let usedMapping = false
  const nextArg = (): unknown => {
    if (positional === null) {
      if (index++ === 0) return args
      throw new TemplateRenderError('not enough arguments for format string')
    }
    if (index >= positional.length) throw new TemplateRenderError('not enough arguments for format string')
    return positional[index++]
  }
  const out = fmt.replace(SPEC_RE, (m: string, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string, offset: number) => {
    if (conv === '') throw new TemplateRenderError('incomplete format')
    if (!CONVERSIONS.includes(conv)) {
      // Python's ValueError; the character is the format's own (template text or a context value): not echoed.
      throw new TemplateRenderError(`ValueError: unsupported format character at index ${offset + m.length - 1}`)
    }
    if (conv === '%') return '%'
    const w = width === '*' ? toNumber(nextArg()) : width === undefined ? undefined : Number(width)
    const p = prec === '*' ? toNumber(nextArg()) : prec === undefined ? undefined : Number(prec)
    boundedLength(w ?? 0)
    if ((p ?? 0) > 100 && conv !== 's') throw new TemplateRenderError('format precision too large')
    let value: unknown
    if (key !== undefined) {
      if (mapping === null) throw new TemplateRenderError('format requires a mapping')
      value = mapping.get(key)
      if (value === undefined) throw new TemplateRenderError(`KeyError: ${pyRepr(key)}`)
      usedMapping = true
    } else {
      value = nextArg()
    }
    return pad(formatOne(conv, flags, p, value), flags, w)
  })
  if (positional !== null && index < positional.length) throw new TemplateRenderError('not all arguments converted during string formatting')
  if (positional === null && mapping === null && index === 0 && !usedMapping && !(args instanceof Undefined)) {
    throw new TemplateRenderError('not all arguments converted during string formatting')
  }
  boundedLength(out.length)
  return out
}
