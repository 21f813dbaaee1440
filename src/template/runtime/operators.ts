// Arithmetic, concatenation, comparison and membership with Python semantics (SPEC §4.1): int and
// float stay distinct (true division always gives a float), floor division and modulo take the sign
// of the divisor, str * int repeats, list + list concatenates, and Python's TypeError and
// ZeroDivisionError become TemplateRenderErrors.
import { TemplateRenderError } from '../types.js'
import {
  Markup, PyComplex, PyDict, PyFloat, Undefined, htmlEscape, unmark, isFloat, isInt, isNumber, isTuple, makeFloat, makeTuple, normInt,
  hashText, pyEquals, pyLess, sameOrEqual, pyStr, pyTypeName, toBigInt, toNumber, viewSubset
} from './values.js'
import { isTemplateObject } from './access.js'
import { isSetView, listKindName } from './list-kinds.js'
import { BUDGET, charge, chargeItems, chargeList, chargeString } from './budget.js'
import { percentFormat } from './filters/pyformat.js'
import { exactIntPow, intTrueDiv } from './float-pow.js'
import { cAdd, cDiv, cMul, cPow, cSub } from './complex.js'
import { iteratorContains } from './filters/python.js'
import { PyIter } from './iterators.js'

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
  // Filled item by item: a push(...list) per repetition costs a call each, not the 2 units charged.
  const len = list.length
  const out = new Array<unknown>(len * n)
  for (let i = 0, k = 0; i < n; i++) for (let j = 0; j < len; j++) out[k++] = list[j]
  return isTuple(list) ? makeTuple(out) : out
}

/**
 * Python's complex arithmetic when one operand is complex and the other a number (converted to
 * complex as Python converts it); undefined when the operands are not that.
 */
function complexOp (a: unknown, b: unknown, fn: (x: PyComplex, y: PyComplex) => PyComplex): PyComplex | undefined {
  if (!(a instanceof PyComplex || b instanceof PyComplex)) return undefined
  const asComplex = (v: unknown): PyComplex | undefined => v instanceof PyComplex ? v : isNumeric(v) ? new PyComplex(toNumber(v), 0) : undefined
  const x = asComplex(a)
  const y = asComplex(b)
  return x === undefined || y === undefined ? undefined : fn(x, y)
}

/** The charge of an operator on scalars: what keeps a long loop body from running uncounted. */
function op (): void {
  charge(1)
}

export function add (a: unknown, b: unknown): unknown {
  op()
  // Markup + str escapes the str (and str + Markup, through Markup.__radd__).
  if (a instanceof Markup && (typeof b === 'string' || b instanceof Markup)) return new Markup(add(a.text, markupText(b)) as string)
  if (b instanceof Markup && typeof a === 'string') return new Markup(add(htmlEscape(a), b.text) as string)
  if (a instanceof Markup) return add(a.text, b)
  const complex = complexOp(a, b, cAdd)
  if (complex !== undefined) return complex
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x + y, (x, y) => x + y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) + toNumber(b), false)
  if (typeof a === 'string' && typeof b === 'string') {
    // V8 joins strings without copying them; whoever reads the result pays for its length.
    if (a.length + b.length > BUDGET.maxStringLength) chargeString(a.length + b.length)
    charge(Math.min(a.length, b.length))
    return a + b
  }
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b) && listKindName(a) === undefined && listKindName(b) === undefined) {
    chargeList(a.length + b.length)
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
  op()
  const complex = complexOp(a, b, cSub)
  if (complex !== undefined) return complex
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x - y, (x, y) => x - y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) - toNumber(b), false)
  return unsupported('-', a, b)
}

export function mul (a: unknown, b: unknown): unknown {
  op()
  if (a instanceof Markup || b instanceof Markup) {
    const out = mul(unmark(a), unmark(b))
    return typeof out === 'string' ? new Markup(out) : out
  }
  const complex = complexOp(a, b, cMul)
  if (complex !== undefined) return complex
  if (bothInts(a, b)) return intOp(a as IntLike, b as IntLike, (x, y) => x * y, (x, y) => x * y)
  if (isNumeric(a) && isNumeric(b)) return numResult(toNumber(a) * toNumber(b), false)
  if ((typeof a === 'string' || isPlainSequence(a)) && (isInt(b) || typeof b === 'boolean')) return repeat(a, b)
  if ((typeof b === 'string' || isPlainSequence(b)) && (isInt(a) || typeof a === 'boolean')) return repeat(b, a)
  return unsupported('*', a, b)
}

export function truediv (a: unknown, b: unknown): unknown {
  op()
  const complex = complexOp(a, b, cDiv)
  if (complex !== undefined) return complex
  if (!(isNumeric(a) && isNumeric(b))) return unsupported('/', a, b)
  const y = toNumber(b)
  if (y === 0) throw new TemplateRenderError('division by zero')
  // int / int is the exact quotient rounded once (long_true_divide); a big int as a double would
  // round twice.
  if (bothInts(a, b) && (typeof a === 'bigint' || typeof b === 'bigint')) return makeFloat(intTrueDiv(toBigInt(a as IntLike), toBigInt(b as IntLike)))
  return makeFloat(toNumber(a) / y)
}

export function floordiv (a: unknown, b: unknown): unknown {
  op()
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
  op()
  if (a instanceof Markup) return new Markup(mod(a.text, escapeArgs(b)) as string)
  // One printf implementation (pyformat.ts, a linear scanner); a tuple holds the arguments, a dict
  // the %(name)s values, anything else is the one argument.
  if (typeof a === 'string') {
    if (isTuple(b) || b instanceof PyDict) return percentFormat(a, b)
    // Python reads any other right operand that has [] (a list, a range, Undefined) as a mapping
    // for %(name)s: it is still the one positional argument, but leaving it unused is no error.
    const subscriptable = b instanceof Undefined || (Array.isArray(b) && (listKindName(b) ?? 'range') === 'range')
    return percentFormat(a, [b], subscriptable)
  }
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
  op()
  const complex = complexOp(a, b, cPow)
  if (complex !== undefined) return complex
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
  // An int exponent: the exact power rounded once, as C's pow() gives it (float-pow.ts).
  const r = Number.isInteger(y) ? exactIntPow(x, y) ?? x ** y : x ** y
  // Python raises where a float power overflows; JS would print inf.
  if ((r === Infinity || r === -Infinity) && Number.isFinite(x) && Number.isFinite(y) && x !== 0) throw new TemplateRenderError('(34, \'Numerical result out of range\')')
  return makeFloat(r)
}

export function neg (a: unknown): unknown {
  if (typeof a === 'boolean') return a ? -1 : 0
  if (typeof a === 'bigint') return normInt(-a)
  if (typeof a === 'number') return isFloat(a) ? makeFloat(-a) : a === 0 ? 0 : -a
  if (a instanceof PyFloat) return makeFloat(-a.value)
  if (a instanceof PyComplex) return new PyComplex(-a.re, -a.im)
  undefinedCheck(a)
  throw new TemplateRenderError(`bad operand type for unary -: '${pyTypeName(a)}'`)
}

export function pos (a: unknown): unknown {
  if (typeof a === 'boolean') return a ? 1 : 0
  if (isNumber(a) || a instanceof PyComplex) return a
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
  a = unmark(a)
  b = unmark(b)
  const ok = (isNumeric(a) && isNumeric(b)) || (typeof a === 'string' && typeof b === 'string') ||
    (isPlainSequence(a) && isPlainSequence(b) && isTuple(a) === isTuple(b)) || (isSetView(a) && isSetView(b))
  if (!ok) throw new TemplateRenderError(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`)
}

export function eq (a: unknown, b: unknown): boolean { op(); return pyEquals(a, b) }
export function ne (a: unknown, b: unknown): boolean { op(); return !pyEquals(a, b) }
export function lt (a: unknown, b: unknown): boolean { op(); comparable(a, b, '<'); return pyLess(a, b) }
export function gt (a: unknown, b: unknown): boolean { op(); comparable(a, b, '>'); return pyLess(b, a) }
export function le (a: unknown, b: unknown): boolean { op(); comparable(a, b, '<='); return setViews(a, b) ? subsetOf(a, b) : !pyLess(b, a) }
export function ge (a: unknown, b: unknown): boolean { op(); comparable(a, b, '>='); return setViews(a, b) ? subsetOf(b, a) : !pyLess(a, b) }

/** Two dict views compared as sets (<= is a subset, not "not greater"). */
function setViews (a: unknown, b: unknown): boolean {
  return isSetView(a) && isSetView(b)
}

function subsetOf (a: unknown, b: unknown): boolean {
  const x = a as unknown[]
  const y = b as unknown[]
  return x.length <= y.length && viewSubset(x, y)
}

/** `item in` a list, tuple, range or dict view (the `in` operator and the `in` test). */
export function listContains (container: readonly unknown[], item: unknown): boolean {
  // A keys() view looks the item up in its dict, an items() view the item's key: both hash it.
  const kind = listKindName(container)
  if (kind === 'dict_keys') hashText(item)
  else if (kind === 'dict_items' && isTuple(item) && item.length === 2) hashText(item[0])
  chargeItems(container.length)
  return container.some(x => sameOrEqual(x, item))
}

/** `item in container`. */
export function contains (container: unknown, item: unknown): boolean {
  op()
  if (container instanceof Markup) container = container.text
  if (item instanceof Markup && typeof container === 'string') item = item.text
  if (typeof container === 'string') {
    charge(container.length)
    if (typeof item !== 'string') {
      undefinedCheck(item)
      throw new TemplateRenderError(`'in <string>' requires string as left operand, not ${pyTypeName(item)}`)
    }
    return container.includes(item)
  }
  if (Array.isArray(container)) return listContains(container, item)
  if (container instanceof PyDict) return container.has(item)
  if (container instanceof PyIter) return iteratorContains(container, item)
  if (container instanceof Undefined) return false
  if (isTemplateObject(container)) return false
  throw new TemplateRenderError(`argument of type '${pyTypeName(container)}' is not iterable`)
}
