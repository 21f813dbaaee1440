// Python's seq[start:stop:step] (str, list, tuple, range), shared by generated code (through
// render-helpers.ts) and the fold of constant expressions (const-fold.ts).
import { TemplateRenderError } from '../types.js'
import { COST, chargeItems, chargeList } from './budget.js'
import { strLen, strSlice } from './filters/python.js'
import { Markup, PyDict, Undefined, isInt, isTuple, makeTuple, pyTypeName } from './values.js'
import { listKind, markList } from './list-kinds.js'

function sliceIndex (v: unknown): number | null {
  if (v === null || v === undefined || v instanceof Undefined) return null
  if (isInt(v)) return v
  if (typeof v === 'boolean') return v ? 1 : 0
  throw new TemplateRenderError('slice indices must be integers or None')
}

/** Python's seq[start:stop:step] on str, list, tuple and range; anything else is Python's TypeError. */
export function subscriptSlice (obj: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  if (obj instanceof Undefined) throw new TemplateRenderError(obj.describe())
  if (obj instanceof Markup) return new Markup(subscriptSlice(obj.text, start, stop, step) as string)
  const isStr = typeof obj === 'string'
  if (obj instanceof PyDict) throw new TemplateRenderError("unhashable type: 'slice'")
  if (!isStr && !Array.isArray(obj)) throw new TemplateRenderError(`'${pyTypeName(obj)}' object is not subscriptable`)
  const kind = listKind(obj)
  if (kind !== undefined && kind.kind !== 'range') throw new TemplateRenderError(`'${kind.kind}' object is not subscriptable`)
  const st = sliceIndex(step) ?? 1
  if (st === 0) throw new TemplateRenderError('slice step cannot be zero')
  if (isStr && st === 1) {
    // The common s[a:b]: cut by code-point offsets, without a list of characters.
    const len = strLen(obj)
    const clamp = (i: number | null, dflt: number): number => i === null ? dflt : Math.min(Math.max(i < 0 ? i + len : i, 0), len)
    const a = clamp(sliceIndex(start), 0)
    const b = clamp(sliceIndex(stop), len)
    return a >= b ? '' : strSlice(obj, a, b)
  }
  if (isStr) chargeItems(obj.length, COST.codePoint)
  const seq: readonly unknown[] = isStr ? Array.from(obj) : obj
  const n = seq.length
  const norm = (i: number | null, dflt: number, lo: number, hi: number): number => {
    if (i === null) return dflt
    if (i < 0) i += n
    return Math.min(Math.max(i, lo), hi)
  }
  // What the slice copies: at most every item once (the step only skips).
  chargeList(Math.min(n, Math.ceil(n / Math.abs(st)) + 1))
  const out: unknown[] = []
  let a: number
  let b: number
  if (st > 0) {
    a = norm(sliceIndex(start), 0, 0, n)
    b = norm(sliceIndex(stop), n, 0, n)
    for (let i = a; i < b; i += st) out.push(seq[i])
  } else {
    a = norm(sliceIndex(start), n - 1, -1, n - 1)
    b = norm(sliceIndex(stop), -1, -1, n - 1)
    for (let i = a; i > b; i += st) out.push(seq[i])
  }
  if (isStr) return out.join('')
  // A slice of a range is a range: its bounds are the slice's, mapped through the range.
  if (kind !== undefined) return markList(out, { kind: 'range', start: kind.start + a * kind.step, stop: kind.start + b * kind.step, step: kind.step * st })
  return isTuple(obj) ? makeTuple(out) : out
}
