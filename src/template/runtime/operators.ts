// Arithmetic, concatenation, comparison and membership with Python semantics (SPEC §4.1): int and
// float stay distinct (true division always gives a float), floor division and modulo take the sign
// of the divisor, str * int repeats, list + list concatenates, and Python's TypeError and
// ZeroDivisionError become TemplateRenderErrors.
import { TemplateRenderError } from '../types.js'
import { LIMITS } from './env.js'
import {
  Undefined, floatRepr, isDict, isFloat, isInt, isNumber, isTuple, makeFloat, makeTuple, pyEquals,
  pyLess, pyRepr, pyStr, pyTypeName, toNumber
} from './values.js'
import { isTemplateObject } from './access.js'
import { BUDGET, charge, chargeItems, chargeList, chargeString } from './budget.js'
import { percentFormat } from './filters/pyformat.js'

function undefinedCheck (v: unknown): void {
  if (v instanceof Undefined) throw new TemplateRenderError(v.describe())
}

function isNumeric (v: unknown): boolean {
  return isNumber(v) || typeof v === 'boolean'
}

/** True when the Python result of an arithmetic operation on a and b is an int. */
function bothInts (a: unknown, b: unknown): boolean {
  return (isInt(a) || typeof a === 'boolean') && (isInt(b) || typeof b === 'boolean')
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

/** Strings never outgrow the largest output (budget.ts caps every value at that size). */
function boundedLength (n: number): void {
  if (n > LIMITS.bodyOutputBytes) throw new TemplateRenderError(`result too large: more than ${LIMITS.bodyOutputBytes} characters`)
}

function repeat (seq: unknown, times: unknown): unknown {
  const n = Math.max(0, toNumber(times))
  if (typeof seq === 'string') {
    // A zero-length string repeats for free; anything else is charged for what it builds.
    if (seq.length === 0) return ''
    chargeString(seq.length * n)
    return seq.repeat(n)
  }
  const list = seq as unknown[]
  if (list.length === 0) return isTuple(list) ? makeTuple([]) : []
  chargeList(list.length * n)
  const out: unknown[] = []
  for (let i = 0; i < n; i++) out.push(...list)
  return isTuple(list) ? makeTuple(out) : out
}

/** The charge of an operator on scalars: what keeps a long loop body from running uncounted. */
function op (): void {
  charge(1)
}

export function add (a: unknown, b: unknown): unknown {
  op()
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) + toNumber(b), bothInts(a, b))
  if (typeof a === 'string' && typeof b === 'string') {
    // V8 joins strings without copying them; whoever reads the result pays for its length.
    if (a.length + b.length > BUDGET.maxStringLength) chargeString(a.length + b.length)
    charge(Math.min(a.length, b.length))
    return a + b
  }
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    chargeList(a.length + b.length)
    const out = [...a, ...b]
    return isTuple(a) ? makeTuple(out) : out
  }
  if (typeof a === 'string' || Array.isArray(a)) {
    undefinedCheck(b)
    throw new TemplateRenderError(`can only concatenate ${pyTypeName(a)} (not "${pyTypeName(b)}") to ${pyTypeName(a)}`)
  }
  return unsupported('+', a, b)
}

export function sub (a: unknown, b: unknown): unknown {
  op()
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) - toNumber(b), bothInts(a, b))
  return unsupported('-', a, b)
}

export function mul (a: unknown, b: unknown): unknown {
  op()
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) * toNumber(b), bothInts(a, b))
  if ((typeof a === 'string' || Array.isArray(a)) && (isInt(b) || typeof b === 'boolean')) return repeat(a, b)
  if ((typeof b === 'string' || Array.isArray(b)) && (isInt(a) || typeof a === 'boolean')) return repeat(b, a)
  return unsupported('*', a, b)
}

export function truediv (a: unknown, b: unknown): unknown {
  op()
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('/', a, b)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError('division by zero')
  return makeFloat(toNumber(a) / y)
}

export function floordiv (a: unknown, b: unknown): unknown {
  op()
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('//', a, b)
  const ints = bothInts(a, b)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError(ints ? 'integer division or modulo by zero' : 'float floor division by zero')
  const x = toNumber(a)
  return ints ? numResult(Math.floor(x / y), true) : makeFloat(floatFloorDiv(x, y))
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

export function mod (a: unknown, b: unknown): unknown {
  op()
  // One printf implementation (pyformat.ts, a linear scanner); a tuple holds the arguments, a dict
  // the %(name)s values, anything else is the one argument.
  if (typeof a === 'string') return percentFormat(a, isTuple(b) || isDict(b) ? b : [b])
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('%', a, b)
  const ints = bothInts(a, b)
  const x = toNumber(a)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError(ints ? 'integer modulo by zero' : 'float modulo')
  let r = x % y
  if (r !== 0 && (r < 0) !== (y < 0)) r += y
  // Python gives a zero remainder the sign of the divisor.
  if (r === 0) r = y < 0 && !ints ? -0 : 0
  return numResult(r, ints)
}

export function pow (a: unknown, b: unknown): unknown {
  op()
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('** or pow()', a, b)
  const x = toNumber(a)
  const y = toNumber(b)
  if (x === 0 && y < 0) throw new TemplateRenderError('0.0 cannot be raised to a negative power')
  const ints = bothInts(a, b) && y >= 0
  const r = x ** y
  if (!ints) {
    // Python raises where a float power overflows; JS would print inf. (A negative base with a
    // fractional exponent gives a complex number in Python; here it is nan.)
    if ((r === Infinity || r === -Infinity) && Number.isFinite(x) && Number.isFinite(y) && x !== 0) throw new TemplateRenderError('(34, \'Numerical result out of range\')')
  }
  return numResult(r, ints)
}

export function neg (a: unknown): unknown {
  if (typeof a === 'boolean') return a ? -1 : 0
  if (isNumber(a)) return isFloat(a) ? makeFloat(-toNumber(a)) : a === 0 ? 0 : -a
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
  op()
  const x = pyStr(a)
  const y = pyStr(b)
  if (x.length + y.length > BUDGET.maxStringLength) chargeString(x.length + y.length)
  charge(Math.min(x.length, y.length))
  return x + y
}

function comparable (a: unknown, b: unknown, op: string): void {
  undefinedCheck(a)
  undefinedCheck(b)
  const ok = (isNumeric(a) && isNumeric(b)) || (typeof a === 'string' && typeof b === 'string') ||
    (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b))
  if (!ok) throw new TemplateRenderError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

export function eq (a: unknown, b: unknown): boolean { op(); return pyEquals(a, b) }
export function ne (a: unknown, b: unknown): boolean { op(); return !pyEquals(a, b) }
export function lt (a: unknown, b: unknown): boolean { op(); comparable(a, b, '<'); return pyLess(a, b) }
export function gt (a: unknown, b: unknown): boolean { op(); comparable(a, b, '>'); return pyLess(b, a) }
export function le (a: unknown, b: unknown): boolean { op(); comparable(a, b, '<='); return !pyLess(b, a) }
export function ge (a: unknown, b: unknown): boolean { op(); comparable(a, b, '>='); return !pyLess(a, b) }

/** `item in container`. */
export function contains (container: unknown, item: unknown): boolean {
  op()
  if (typeof container === 'string') {
    charge(container.length)
    if (typeof item !== 'string') {
      undefinedCheck(item)
      throw new TemplateRenderError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`)
    }
    return container.includes(item)
  }
  if (Array.isArray(container)) {
    chargeItems(container.length)
    return container.some(x => pyEquals(x, item))
  }
  if (isDict(container)) {
    const k = typeof item === 'string' ? item : isInt(item) ? String(item) : undefined
    return k !== undefined && Object.hasOwn(container, k)
  }
  if (container instanceof Undefined) return false
  if (isTemplateObject(container)) return false
  throw new TemplateRenderError(`argument of type '${pyTypeName(container)}' is not iterable`)
}

// ---- printf-style formatting: 'Hello %s' % name ----

const SPEC_RE = /%(?:\(([^)]*)\))?([#0\- +]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/g

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
      const n = Math.trunc(needNumber(v, conv))
      return signed(String(Math.abs(n)).padStart(precision ?? 0, '0'), n, flags).replace(/^/, n < 0 ? '-' : '')
    }
    case 'x': case 'X': case 'o': {
      const n = Math.trunc(needNumber(v, conv))
      let s = Math.abs(n).toString(conv === 'o' ? 8 : 16)
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
  const mapping = isDict(args) ? args : null
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
  const out = fmt.replace(SPEC_RE, (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%'
    const w = width === '*' ? toNumber(nextArg()) : width === undefined ? undefined : Number(width)
    const p = prec === '*' ? toNumber(nextArg()) : prec === undefined ? undefined : Number(prec)
    boundedLength(w ?? 0)
    if ((p ?? 0) > 100 && conv !== 's') throw new TemplateRenderError('format precision too large')
    let value: unknown
    if (key !== undefined) {
      if (mapping === null) throw new TemplateRenderError('format requires a mapping')
      if (!Object.hasOwn(mapping, key)) throw new TemplateRenderError(`KeyError: ${pyRepr(key)}`)
      value = mapping[key]
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
