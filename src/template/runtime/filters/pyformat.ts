// Python's float rounding and %-formatting, digit for digit. Both work on the exact decimal value of
// the double (BigInt arithmetic) and round half to even, as CPython does: JavaScript's toFixed rounds
// ties away from zero and prints exponents differently.
import {
  PyDict, isInt, isNumber, normInt, isUndefined, pyRepr, pyStr, pyTypeName, rememberFloatRepr, toNumber
} from '../values.js'
import { codePoints, fail, isPySpace, stripBy, undefinedError } from './python.js'
import { COST, charge, chargeChars, chargeItems, chargeString } from '../budget.js'

interface Exact { digits: bigint, scale: number }

const f64 = new Float64Array(1)
const u64 = new BigUint64Array(f64.buffer)

/** |x| = digits / 10^scale exactly; x finite. */
function exactDecimal (x: number): Exact {
  f64[0] = Math.abs(x)
  const bits = u64[0] as bigint
  const biased = Number((bits >> 52n) & 0x7ffn)
  const frac = bits & ((1n << 52n) - 1n)
  const mantissa = biased === 0 ? frac : frac | (1n << 52n)
  const e = (biased === 0 ? -1074 : biased - 1075)
  if (e >= 0) return { digits: mantissa << BigInt(e), scale: 0 }
  return { digits: mantissa * 5n ** BigInt(-e), scale: -e }
}

/** digits / 10^scale rounded half-even to a multiple of 10^-places, as an integer count of those. */
function roundTo (ex: Exact, places: number): bigint {
  if (places >= ex.scale) return ex.digits * 10n ** BigInt(places - ex.scale)
  const p = 10n ** BigInt(ex.scale - places)
  let q = ex.digits / p
  const r2 = (ex.digits % p) * 2n
  if (r2 > p || (r2 === p && (q & 1n) === 1n)) q += 1n
  return q
}

function signOf (x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : ''
}

/** Python's round(x, ndigits) for a float x: the correctly rounded decimal, read back as a float. */
export function roundFloat (x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x
  if (ndigits >= 0 && ndigits <= 15) {
    const fast = roundFloatFast(x, ndigits)
    if (fast !== undefined) return fast
  }
  if (ndigits > 330) return x
  if (ndigits < -330) return x < 0 ? -0 : 0
  const q = roundTo(exactDecimal(x), ndigits)
  return Number(`${signOf(x)}${q}e${-ndigits}`)
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i)

/**
 * round(x, ndigits) without BigInt when the answer is certain: |x|·10^ndigits is computed with an
 * error below 2 ulp, so unless its fraction lies within that of .5 the rounding direction is
 * known; the integer count q and 10^ndigits are then exact and q / 10^ndigits is the correctly
 * rounded double of the decimal, as Python reads it back. Undefined when the exact path must decide.
 */
function roundFloatFast (x: number, ndigits: number): number | undefined {
  const scale = POW10[ndigits] as number
  const scaled = Math.abs(x) * scale
  if (!(scaled < 2 ** 52)) return undefined
  const floor = Math.floor(scaled)
  const frac = scaled - floor
  if (Math.abs(frac - 0.5) <= scaled * 4.5e-16 + 5e-324) return undefined
  const q = frac > 0.5 ? floor + 1 : floor
  const r = (x < 0 ? -q : q) / scale
  if (q >= 1 && q < 1e15 && Math.abs(r) >= 1e-4) rememberFloatRepr(r, decimalText(q, ndigits, x < 0))
  return r
}

/**
 * The repr of q / 10^places (q < 10^15, result ≥ 1e-4): with at most 15 significant digits that
 * decimal is the only one of its length naming its double, so it is the shortest round-trip text
 * Python prints (trailing zeros dropped, at least one fractional digit).
 */
function decimalText (q: number, places: number, negative: boolean): string {
  let text = String(q)
  if (places === 0) {
    text += '.0'
  } else {
    text = text.padStart(places + 1, '0')
    let end = text.length
    while (end > text.length - places + 1 && text.charCodeAt(end - 1) === 0x30) end--
    text = text.slice(0, text.length - places) + '.' + text.slice(text.length - places, end)
  }
  return negative ? '-' + text : text
}

/** Python's round(n, ndigits) for an int n with ndigits < 0 (half to even). */
export function roundInt (n: number | bigint, ndigits: number): number | bigint {
  if (ndigits >= 0) return n
  const b = typeof n === 'bigint' ? (n < 0n ? -n : n) : BigInt(Math.abs(n))
  // |n| below half of 10^-ndigits: Python's answer is 0, without computing that power of ten.
  if (-ndigits > b.toString().length + 1) return 0
  const p = 10n ** BigInt(-ndigits)
  let q = b / p
  const r2 = (b % p) * 2n
  if (r2 > p || (r2 === p && (q & 1n) === 1n)) q += 1n
  const r = q * p
  const negative = typeof n === 'bigint' ? n < 0n : n < 0
  return normInt(negative ? -r : r)
}

function nonFinite (x: number, upper: boolean): string | undefined {
  if (Number.isFinite(x)) return undefined
  const text = Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
  return upper ? text.toUpperCase() : text
}

/** '%.{prec}f' without sign handling of non-finite values. */
export function formatFixed (x: number, prec: number): string {
  chargeString(prec)
  const nf = nonFinite(x, false)
  if (nf !== undefined) return nf
  const digits = (x === 0 ? 0n : roundTo(exactDecimal(x), prec)).toString().padStart(prec + 1, '0')
  const body = prec === 0 ? digits : digits.slice(0, -prec) + '.' + digits.slice(-prec)
  return signOf(x) + body
}

/** Significant digits (prec + 1 of them) and decimal exponent of x, rounded half-even. */
function sigDigits (x: number, prec: number): { digits: string, exp: number } {
  chargeString(prec)
  const sigs = prec + 1
  if (x === 0) return { digits: '0'.repeat(sigs), exp: 0 }
  const ex = exactDecimal(x)
  const n = ex.digits.toString().length
  let exp = n - 1 - ex.scale
  let digits = roundTo(ex, sigs - 1 - exp).toString()
  if (digits.length > sigs) {
    digits = digits.slice(0, sigs)
    exp += 1
  }
  return { digits, exp }
}

function expText (mant: string, exp: number, upper: boolean): string {
  const e = String(Math.abs(exp)).padStart(2, '0')
  return `${mant}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${e}`
}

export function formatExp (x: number, prec: number, upper = false, alt = false): string {
  const nf = nonFinite(x, upper)
  if (nf !== undefined) return nf
  const { digits, exp } = sigDigits(x, prec)
  const mant = digits[0] as string + (prec > 0 || alt ? '.' : '') + digits.slice(1)
  return signOf(x) + expText(mant, exp, upper)
}

export function formatGeneral (x: number, prec: number, upper = false, alt = false): string {
  const nf = nonFinite(x, upper)
  if (nf !== undefined) return nf
  const p = prec === 0 ? 1 : prec
  const { digits, exp } = sigDigits(x, p - 1)
  let mant: string
  let suffix = ''
  if (exp >= -4 && exp < p) {
    const text = formatFixed(Math.abs(x), p - 1 - exp)
    mant = text
  } else {
    mant = digits[0] as string + '.' + digits.slice(1)
    suffix = expText('', exp, upper)
  }
  if (!alt) {
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '')
  } else if (!mant.includes('.')) {
    mant += '.'
  }
  return signOf(x) + mant + suffix
}

function intText (n: number | bigint): string {
  if (typeof n === 'bigint') return (n < 0n ? -n : n).toString()
  // Beyond 2**53 String() prints the shortest text that reads back as the double, not its digits.
  return Math.abs(n) <= Number.MAX_SAFE_INTEGER ? String(Math.abs(n)) : BigInt(Math.abs(n)).toString()
}

interface Spec { flags: string, width: number, prec: number | undefined, type: string }

function pad (spec: Spec, sign: string, body: string, numeric: boolean): string {
  if (spec.width <= sign.length + body.length && !/[\ud800-\udfff]/.test(body)) return sign + body
  const len = codePoints(sign + body).length
  if (spec.width <= len) return sign + body
  chargeString(spec.width)
  const fill = spec.width - len
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(fill)
  if (numeric && spec.flags.includes('0')) return sign + '0'.repeat(fill) + body
  return ' '.repeat(fill) + sign + body
}

function numericSign (spec: Spec, negative: boolean): string {
  if (negative) return '-'
  if (spec.flags.includes('+')) return '+'
  if (spec.flags.includes(' ')) return ' '
  return ''
}

function toIntForFormat (arg: unknown, type: string): number | bigint {
  if (typeof arg === 'boolean') return arg ? 1 : 0
  if (isInt(arg) || typeof arg === 'bigint') return arg
  if (type === 'd' || type === 'i' || type === 'u') {
    if (isNumber(arg)) {
      const v = toNumber(arg)
      if (!Number.isFinite(v)) fail(`cannot convert float ${Number.isNaN(v) ? 'NaN' : 'infinity'} to integer`)
      return Math.trunc(v)
    }
    if (isUndefined(arg)) undefinedError(arg)
    return fail(`%${type} format: a real number is required, not ${pyTypeName(arg)}`)
  }
  if (isUndefined(arg)) undefinedError(arg)
  return fail(`%${type} format: an integer is required, not ${pyTypeName(arg)}`)
}

function toFloatForFormat (arg: unknown): number {
  if (isNumber(arg) || typeof arg === 'boolean') return toNumber(arg)
  if (isUndefined(arg)) undefinedError(arg)
  return fail(`must be real number, not ${pyTypeName(arg)}`)
}

function convert (spec: Spec, arg: unknown): string {
  const t = spec.type
  switch (t) {
    case 's': case 'r': case 'a': {
      let text = t === 's' ? pyStr(arg) : pyRepr(arg)
      if (t === 'a') text = text.replace(/[\u0080-\u{10ffff}]/gu, ch => asciiEscape(ch))
      if (spec.prec !== undefined) text = codePoints(text).slice(0, spec.prec).join('')
      return pad(spec, '', text, false)
    }
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
      const n = toIntForFormat(arg, t)
      let body = t === 'x' || t === 'X' || t === 'o'
        ? (typeof n === 'bigint' ? (n < 0n ? -n : n) : BigInt(Math.abs(n))).toString(t === 'o' ? 8 : 16)
        : intText(n)
      if (t === 'X') body = body.toUpperCase()
      if (spec.prec !== undefined) {
        chargeString(spec.prec)
        body = body.padStart(spec.prec, '0')
      }
      let prefix = ''
      if (spec.flags.includes('#') && t !== 'd' && t !== 'i' && t !== 'u') prefix = t === 'o' ? '0o' : t === 'x' ? '0x' : '0X'
      return pad(spec, numericSign(spec, n < 0) + prefix, body, true)
    }
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
      const x = toFloatForFormat(arg)
      const prec = spec.prec ?? 6
      const upper = t === 'E' || t === 'F' || t === 'G'
      const alt = spec.flags.includes('#')
      let text: string
      if (t === 'e' || t === 'E') text = formatExp(x, prec, upper, alt)
      else if (t === 'f' || t === 'F') {
        text = nonFinite(x, upper) ?? formatFixed(x, prec)
        if (alt && prec === 0 && Number.isFinite(x)) text += '.'
      } else text = formatGeneral(x, prec, upper, alt)
      const negative = text.startsWith('-')
      const body = negative ? text.slice(1) : text
      return pad(spec, numericSign(spec, negative), body, Number.isFinite(x))
    }
    case 'c': {
      let ch: string
      if (typeof arg === 'string' && codePoints(arg).length === 1) ch = arg
      else if (typeof arg === 'boolean') ch = arg ? '\u0001' : '\u0000'
      else if (isInt(arg) && arg >= 0 && arg <= 0x10ffff) ch = String.fromCodePoint(arg)
      else if (isInt(arg)) return fail('%c arg not in range(0x110000)')
      else return fail('%c requires an int or a unicode character, not ' + pyTypeName(arg))
      return pad(spec, '', ch, false)
    }
  }
  return fail('unsupported format character')
}

function asciiEscape (ch: string): string {
  const code = ch.codePointAt(0) as number
  if (code <= 0xff) return '\\x' + code.toString(16).padStart(2, '0')
  if (code <= 0xffff) return '\\u' + code.toString(16).padStart(4, '0')
  return '\\U' + code.toString(16).padStart(8, '0')
}

/** A `*` width or precision: an int (a bool is one). */
function starArg (v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (!isInt(v)) fail('* wants int')
  return v
}

/**
 * `format % args`: args is a list (Jinja2's positional arguments, a tuple) or a dict (its keyword
 * arguments) for %(name)s conversions. `extraAllowed`: the one argument is an object Python reads
 * as a mapping (it has []), so arguments left unused are no error.
 */
export function percentFormat (format: string, args: unknown[] | Record<string, unknown> | PyDict, extraAllowed = false): string {
  const mapping = Array.isArray(args) ? undefined : args
  const positional = Array.isArray(args) ? args : [args]
  let argIndex = 0
  let out = ''
  chargeChars(format)
  const nextArg = (): unknown => {
    if (argIndex >= positional.length) fail('not enough arguments for format string')
    return positional[argIndex++]
  }
  let i = 0
  while (i < format.length) {
    const pct = format.indexOf('%', i)
    if (pct < 0) {
      out += format.slice(i)
      break
    }
    out += format.slice(i, pct)
    i = pct + 1
    let key: string | undefined
    if (format[i] === '(') {
      if (mapping === undefined) fail('format requires a mapping')
      let depth = 1
      const start = i + 1
      i++
      while (i < format.length && depth > 0) {
        if (format[i] === '(') depth++
        else if (format[i] === ')') depth--
        i++
      }
      if (depth > 0) fail('incomplete format key')
      key = format.slice(start, i - 1)
    }
    let flags = ''
    while (i < format.length && '-+ #0'.includes(format[i] as string)) flags += format[i++] as string
    let width = 0
    if (format[i] === '*') {
      const w = starArg(nextArg())
      width = w
      if (width < 0) {
        flags += '-'
        width = -width
      }
      i++
    } else {
      while (i < format.length && /[0-9]/.test(format[i] as string)) width = width * 10 + Number(format[i++])
    }
    let prec: number | undefined
    if (format[i] === '.') {
      i++
      prec = 0
      if (format[i] === '*') {
        const p = starArg(nextArg())
        prec = Math.max(0, p)
        i++
      } else {
        while (i < format.length && /[0-9]/.test(format[i] as string)) prec = prec * 10 + Number(format[i++])
      }
    }
    while (i < format.length && 'hlL'.includes(format[i] as string)) i++
    if (i >= format.length) fail('incomplete format')
    const type = format[i] as string
    i++
    if (type === '%') {
      // Only a bare %% is a percent sign: with a key, flags, width or precision CPython takes an
      // argument for it and then refuses '%' as a conversion.
      if (i - 1 === pct + 1) {
        out += '%'
        continue
      }
      if (key === undefined) nextArg()
      fail('unsupported format character')
    }
    // Neither the character nor its index is echoed: the format string may be a context value.
    if (!'sradiuxXoeEfFgGc'.includes(type)) fail('unsupported format character')
    let arg: unknown
    if (key !== undefined && mapping !== undefined) {
      // The key is not echoed: the format string itself may be a context value.
      arg = mapping instanceof PyDict ? mapping.get(key) : Object.hasOwn(mapping, key) ? mapping[key] : undefined
      // The key is not echoed: the format string itself may be a context value (SPEC §4.6).
      if (arg === undefined) fail('KeyError: format: no keyword argument matches a %(…) conversion')
    } else {
      arg = nextArg()
    }
    out += convert({ flags, width, prec, type }, arg)
  }
  if (mapping === undefined && !extraAllowed && argIndex < positional.length) fail('not all arguments converted during string formatting')
  return out
}

/**
 * Whitespace int() and float() strip: str.isspace() but for U+001C..U+001F, which CPython's number
 * parsers do not treat as space (it maps Unicode spaces to ' ' and then strips ASCII space only).
 */
function isNumberSpace (c: number): boolean {
  return isPySpace(c) && !(c >= 0x1c && c <= 0x1f)
}

function isDigitAt (s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  return c >= 0x30 && c <= 0x39
}

/** End of a run of digits with single underscores between them starting at i (i when none). */
function digitRun (s: string, i: number): number {
  if (!isDigitAt(s, i)) return i
  i++
  for (;;) {
    if (isDigitAt(s, i)) i++
    else if (s.charCodeAt(i) === 0x5f && isDigitAt(s, i + 1)) i += 2
    else return i
  }
}

const SPECIAL_FLOATS: Record<string, number> = { inf: Infinity, infinity: Infinity, nan: NaN }

/**
 * float(value) as Python parses a str: whitespace, sign, underscores between digits, inf/nan.
 * A hand scanner: linear in the text (a regular expression would backtrack on caller data).
 */
export function parsePyFloat (text: string): number | undefined {
  chargeItems(text.length, COST.parse)
  const s = stripBy(text, true, true, isNumberSpace)
  let i = 0
  const signed = s.charCodeAt(0) === 0x2b || s.charCodeAt(0) === 0x2d
  if (signed) i++
  if (s.length - i <= 8) {
    const special = SPECIAL_FLOATS[s.slice(i).toLowerCase()]
    if (special !== undefined) return s.charCodeAt(0) === 0x2d ? -special : special
  }
  const intEnd = digitRun(s, i)
  let j = intEnd
  let fracDigits = false
  if (s.charCodeAt(j) === 0x2e) {
    const fracEnd = digitRun(s, j + 1)
    fracDigits = fracEnd > j + 1
    j = fracEnd
  }
  if (intEnd === i && !fracDigits) return undefined
  if (s.charCodeAt(j) === 0x65 || s.charCodeAt(j) === 0x45) {
    let k = j + 1
    if (s.charCodeAt(k) === 0x2b || s.charCodeAt(k) === 0x2d) k++
    const expEnd = digitRun(s, k)
    if (expEnd === k) return undefined
    j = expEnd
  }
  if (j !== s.length) return undefined
  return Number(s.includes('_') ? s.replaceAll('_', '') : s)
}

/** Python 3.11's int_max_str_digits: int(str) refuses more digits in a base that is not a power of two. */
const MAX_STR_DIGITS = 4300

function digitValue (c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10
  return 99
}

/** int(text, base) as Python parses a str; undefined when Python raises ValueError. */
const PLAIN_DECIMAL = /^-?[0-9]{1,15}$/

export function parsePyInt (text: string, base: number): number | bigint | undefined {
  // The common case, a short plain decimal, is exact as a double: no BigInt digit loop.
  if (base === 10 && PLAIN_DECIMAL.test(text)) return Number(text) + 0
  chargeItems(text.length, COST.parse)
  let s = stripBy(text, true, true, isNumberSpace)
  let negative = false
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-')
    s = s.slice(1)
  }
  const prefixes: Record<string, number> = { '0x': 16, '0o': 8, '0b': 2 }
  const prefix = s.slice(0, 2).toLowerCase()
  if (base === 0) {
    if (prefix in prefixes) {
      base = prefixes[prefix] as number
      s = s.slice(2)
      if (s.startsWith('_')) s = s.slice(1)
    } else {
      base = 10
      if (s.startsWith('0')) {
        // Only zeros (with single underscores between them) may start with 0 in base 0.
        const end = digitRun(s, 0)
        for (let i = 0; i < end; i++) if (s.charCodeAt(i) !== 0x30 && s.charCodeAt(i) !== 0x5f) return undefined
        return end === s.length ? 0 : undefined
      }
    }
  } else if (prefixes[prefix] === base) {
    s = s.slice(2)
    if (s.startsWith('_')) s = s.slice(1)
  }
  if (base < 2 || base > 36) return undefined
  // Digits of the base with single underscores between them, in one scan.
  let digits = ''
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x5f) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i + 1) === 0x5f) return undefined
      digits += s.slice(start, i)
      start = i + 1
    } else if (digitValue(c) >= base) {
      return undefined
    }
  }
  digits += s.slice(start)
  if (digits === '') return undefined
  const powerOfTwo = (base & (base - 1)) === 0
  if (!powerOfTwo && digits.length > MAX_STR_DIGITS) return undefined
  let n: bigint
  if (base === 10) n = BigInt(digits)
  else if (base === 16 || base === 8 || base === 2) n = BigInt((base === 16 ? '0x' : base === 8 ? '0o' : '0b') + digits)
  else {
    // Other bases: at most 4300 digits (or a power of two: 4 and 32, at most the text's length).
    if (digits.length > MAX_STR_DIGITS) charge(digits.length * digits.length / 64)
    n = 0n
    const b = BigInt(base)
    for (let i = 0; i < digits.length; i++) n = n * b + BigInt(digitValue(digits.charCodeAt(i)))
  }
  return normInt(negative ? -n : n)
}
