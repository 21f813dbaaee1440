// Exactly rounded float results of int arithmetic. x ** n for a float x and an int n as C's pow() gives it to Python: the exact power rounded once
// to the nearest double. V8's ** is off by one unit in the last place for some 7% of such powers
// (0.30000000000000004 ** 3 == 0.02700000000000001, Python 0.027000000000000014); the exact
// rational power, computed with bigints and rounded half to even, agrees with glibc's pow in all
// but a few hundredths of a percent of cases (where glibc itself is not correctly rounded).
import { TemplateRenderError } from '../types.js'
import { charge } from './budget.js'

/** Exponents beyond this fall back to V8's ** (the bigints would grow past 60,000 bits). */
const MAX_EXPONENT = 1024

function bitLength (n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length
}

/** x as odd integer mantissa and power of two: x = m · 2^e, x finite and non-zero. */
function decompose (x: number): { m: bigint, e: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, Math.abs(x))
  const bits = view.getBigUint64(0)
  const exponent = Number((bits >> 52n) & 0x7ffn)
  let m = bits & 0xfffffffffffffn
  let e: number
  if (exponent === 0) e = -1074
  else {
    m |= 1n << 52n
    e = exponent - 1075
  }
  while ((m & 1n) === 0n) {
    m >>= 1n
    e++
  }
  return { m, e }
}

/** The double nearest to num / den · 2^exp2 (num, den > 0), ties to even; Infinity beyond range. */
function roundRational (num: bigint, den: bigint, exp2: number): number {
  // A quotient of 55 or 56 bits: two or more below the 53 kept, plus the remainder as sticky.
  const s = 55 - (bitLength(num) - bitLength(den))
  const q = s >= 0 ? (num << BigInt(s)) / den : num / (den << BigInt(-s))
  const sticky = s >= 0 ? (num << BigInt(s)) % den !== 0n : num % (den << BigInt(-s)) !== 0n
  const low = exp2 - s
  const top = bitLength(q) - 1 + low
  if (top > 1023) return Infinity
  const keepFrom = Math.max(top - 52, -1074)
  const drop = keepFrom - low
  if (drop > bitLength(q) + 1) return 0
  let kept = q >> BigInt(drop)
  const rest = q - (kept << BigInt(drop))
  const half = 1n << BigInt(drop - 1)
  if (rest > half || (rest === half && (sticky || (kept & 1n) === 1n))) kept++
  const value = Number(kept) * 2 ** keepFrom
  return value
}

/** a / b for ints (b non-zero) as Python divides them: the exact quotient rounded once. */
export function intTrueDiv (a: bigint, b: bigint): number {
  if (a === 0n) return b < 0n ? -0 : 0
  const negative = (a < 0n) !== (b < 0n)
  const r = roundRational(a < 0n ? -a : a, b < 0n ? -b : b, 0)
  if (r === Infinity) throw new TemplateRenderError('integer division result too large for a float')
  return negative ? -r : r
}

/** x ** n (x a finite non-zero double, n an int) correctly rounded, or undefined to use V8's **. */
export function exactIntPow (x: number, n: number): number | undefined {
  if (!Number.isFinite(x) || x === 0 || !Number.isInteger(n) || Math.abs(n) > MAX_EXPONENT || n === 0) return undefined
  const { m, e } = decompose(x)
  const k = Math.abs(n)
  // The power has about k times the mantissa's bits: charged as that much bigint work.
  charge(bitLength(m) * k)
  const p = m ** BigInt(k)
  const r = n > 0 ? roundRational(p, 1n, e * k) : roundRational(1n, p, -e * k)
  return x < 0 && k % 2 === 1 ? -r : r
}
