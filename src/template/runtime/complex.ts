// Python's complex arithmetic (Objects/complexobject.c), for the complex numbers a negative number
// raised to a fractional power gives: +, -, *, / and ** between complex and int, float or bool,
// computed in the same order of double operations as CPython so the results agree to the bit.
import { TemplateRenderError } from '../types.js'
import { PyComplex } from './values.js'

type C = PyComplex

function c (re: number, im: number): C {
  return new PyComplex(re, im)
}

export function cAdd (a: C, b: C): C {
  return c(a.re + b.re, a.im + b.im)
}

export function cSub (a: C, b: C): C {
  return c(a.re - b.re, a.im - b.im)
}

export function cMul (a: C, b: C): C {
  return c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/** _Py_c_quot: Smith's algorithm, as CPython 3.11 divides. */
export function cDiv (a: C, b: C): C {
  const absRe = Math.abs(b.re)
  const absIm = Math.abs(b.im)
  if (absRe >= absIm) {
    if (absRe === 0) throw new TemplateRenderError('complex division by zero')
    const ratio = b.im / b.re
    const denom = b.re + b.im * ratio
    return c((a.re + a.im * ratio) / denom, (a.im - a.re * ratio) / denom)
  }
  if (absIm >= absRe) {
    const ratio = b.re / b.im
    const denom = b.re * ratio + b.im
    return c((a.re * ratio + a.im) / denom, (a.im * ratio - a.re) / denom)
  }
  return c(NaN, NaN)
}

/** c_powu: x ** n for an int n ≥ 1, by squaring. */
function powu (x: C, n: number): C {
  let r = c(1, 0)
  let p = x
  for (let mask = 1; n >= mask; mask *= 2) {
    if (Math.floor(n / mask) % 2 === 1) r = cMul(r, p)
    p = cMul(p, p)
  }
  return r
}

/** complex_pow: an integral real exponent up to 100 by multiplication, else _Py_c_pow's polar form. */
export function cPow (a: C, b: C): C {
  let r: C
  if (b.im === 0 && Number.isInteger(b.re) && Math.abs(b.re) <= 100) {
    const n = b.re
    r = n > 0 ? powu(a, n) : n === 0 ? c(1, 0) : cDiv(c(1, 0), powu(a, -n))
  } else if (b.re === 0 && b.im === 0) {
    r = c(1, 0)
  } else if (a.re === 0 && a.im === 0) {
    if (b.im !== 0 || b.re < 0) throw new TemplateRenderError('0.0 to a negative or complex power')
    r = c(0, 0)
  } else {
    const vabs = Math.hypot(a.re, a.im)
    let len = vabs ** b.re
    const at = Math.atan2(a.im, a.re)
    let phase = at * b.re
    if (b.im !== 0) {
      len /= Math.exp(at * b.im)
      phase += b.im * Math.log(vabs)
    }
    r = c(len * Math.cos(phase), len * Math.sin(phase))
  }
  if (!Number.isFinite(r.re) || !Number.isFinite(r.im)) {
    if (Number.isFinite(a.re) && Number.isFinite(a.im) && Number.isFinite(b.re) && Number.isFinite(b.im)) throw new TemplateRenderError('complex exponentiation')
  }
  return r
}
