// Jinja2's constant folding of an expression that holds a slice (see ../fold.ts for why it shows).
// Codegen hands such a constant expression over as its syntax tree; it is evaluated here the way
// Jinja2's compiler treats it: each node's fold (Node.as_const: slices through getitem, `x if c`
// without else impossible, any error impossible) is kept where it succeeds with a value Jinja2 can
// keep, and the node runs as ordinary code on its children's values otherwise. Every node is
// folded at most once (memoized), so the work stays linear in the size of the expression. The
// tree holds literals and operators only (no names, no calls): nothing here reads the context.
import type { Expr, Pos } from '../ast.js'
import { TemplateRenderError } from '../types.js'
import type { RuntimeEnv } from './env.js'
import { LIMITS } from './env.js'
import { SAFE_METHODS, getAttr, getCheckedAttr, getItem, isUnsafeName } from './access.js'
import { FILTERS } from './filters.js'
import { TESTS } from './tests.js'
import * as ops from './operators.js'
import { subscriptSlice } from './slice.js'
import { WorkBudgetExceeded, charge, chargeItems } from './budget.js'
import { listKind } from './list-kinds.js'
import {
  Markup, ProfileFields, PyComplex, PyDict, PyFloat, UNDEFINED, Undefined, makeTuple, pyTypeName, truthy
} from './values.js'

/** A fold that did not succeed (nodes.Impossible). */
const IMPOSSIBLE = Symbol('Impossible')

/** A failed fold throws and catches: charged like the work it is. */
const FAILED_FOLD_UNITS = 2000

const BINARY = { '+': ops.add, '-': ops.sub, '*': ops.mul, '/': ops.truediv, '//': ops.floordiv, '%': ops.mod, '**': ops.pow, '~': ops.concat } as const
const COMPARE = { '==': ops.eq, '!=': ops.ne, '<': ops.lt, '<=': ops.le, '>': ops.gt, '>=': ops.ge } as const

const GETITEM_ERRORS = /not subscriptable|unhashable type|slice indices must be integers/

/**
 * compiler.has_safe_repr: the values Jinja2 keeps as a folded constant (None, bool, int, float,
 * complex, str, Markup, range, and lists, tuples and dicts of them). A fold giving anything else
 * (Undefined, a generator) is dropped and the node runs as ordinary code.
 */
function hasSafeRepr (v: unknown, depth = 0): boolean {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return true
  if (v instanceof PyFloat || v instanceof PyComplex || v instanceof Markup) return true
  if (depth > LIMITS.nestingDepth) return false
  if (Array.isArray(v)) {
    const kind = listKind(v)
    if (kind !== undefined) return kind.kind === 'range'
    chargeItems(v.length)
    return v.every(x => hasSafeRepr(x, depth + 1))
  }
  if (v instanceof PyDict && !(v instanceof ProfileFields)) {
    chargeItems(v.size)
    return v.entries().every(([k, x]) => hasSafeRepr(k, depth + 1) && hasSafeRepr(x, depth + 1))
  }
  return false
}

/** An error raised by the ordinary code of a node, positioned at it as generated code would be. */
function positioned (err: unknown, pos: Pos): unknown {
  if (err instanceof TemplateRenderError && err.line === undefined && !(err instanceof WorkBudgetExceeded)) {
    return new TemplateRenderError(err.message, pos)
  }
  return err
}

/** An error raised by a branch's own (generated) code: it carries its position already. */
class BranchFailure {
  constructor (readonly cause: unknown) {}
}

class Folder {
  /** Each node's fold: its value or IMPOSSIBLE. */
  private readonly folds = new Map<Expr, unknown>()
  /** The branches that are not constant, with their generated code. */
  private readonly holes = new Map<Expr, () => unknown>()

  constructor (private readonly env: RuntimeEnv, holes: readonly Expr[] | null, code: ReadonlyArray<() => unknown> | null) {
    holes?.forEach((h, i) => this.holes.set(h, (code as ReadonlyArray<() => unknown>)[i] as () => unknown))
  }

  /** Node.as_const: the node evaluated as a constant, IMPOSSIBLE where that fails. */
  fold (e: Expr): unknown {
    // A branch that is not constant never folds.
    if (this.holes.has(e)) return IMPOSSIBLE
    const known = this.folds.get(e)
    if (known !== undefined) return known
    let v: unknown
    try {
      v = this.op(e, true)
    } catch (err) {
      if (err instanceof WorkBudgetExceeded) throw err
      charge(FAILED_FOLD_UNITS)
      v = IMPOSSIBLE
    }
    this.folds.set(e, v)
    return v
  }

  /** What the node gives in Jinja2's compiled template: its kept fold, or its ordinary code. */
  value (e: Expr, keepAny = false): unknown {
    const hole = this.holes.get(e)
    if (hole !== undefined) {
      try {
        return hole()
      } catch (err) {
        throw new BranchFailure(err)
      }
    }
    const f = this.fold(e)
    if (f !== IMPOSSIBLE && (keepAny || hasSafeRepr(f))) return f
    try {
      return this.op(e, false)
    } catch (err) {
      throw err instanceof BranchFailure ? err : positioned(err, e)
    }
  }

  /** A child's value: its fold inside a fold (the whole fold fails with it), else its value. */
  private sub (e: Expr, folding: boolean): unknown {
    if (!folding) return this.value(e)
    const v = this.fold(e)
    if (v === IMPOSSIBLE) throw IMPOSSIBLE
    return v
  }

  private op (e: Expr, folding: boolean): unknown {
    const sub = (x: Expr): unknown => this.sub(x, folding)
    switch (e.type) {
      case 'Literal': {
        const v = e.value
        if (typeof v === 'number' && e.float === true && Number.isInteger(v)) return new PyFloat(v)
        return v
      }
      case 'List': return e.items.map(sub)
      case 'Tuple': return makeTuple(e.items.map(sub))
      case 'Dict': {
        const out = new PyDict()
        for (const en of e.entries) {
          const k = sub(en.key)
          out.set(k, sub(en.value))
        }
        return out
      }
      case 'GetAttr': {
        const obj = sub(e.object)
        return SAFE_METHODS.dict.has(e.name as never) || isUnsafeName(e.name) ? getAttr(obj, e.name, true) : getCheckedAttr(obj, e.name)
      }
      case 'GetItem': {
        const obj = sub(e.object)
        return getItem(obj, sub(e.key))
      }
      case 'Slice': {
        const obj = sub(e.object)
        const part = (x: Expr | null): unknown => x === null ? null : sub(x)
        const start = part(e.start)
        const stop = part(e.stop)
        const step = part(e.step)
        if (!folding) return subscriptSlice(obj, start, stop, step)
        // environment.getitem(obj, slice(…)): a TypeError or LookupError gives Undefined.
        try {
          return subscriptSlice(obj, start, stop, step)
        } catch (err) {
          if (obj instanceof Undefined || !(err instanceof TemplateRenderError) || !GETITEM_ERRORS.test(err.message)) throw err
          return new Undefined(undefined, obj === null ? "'None'" : `'${pyTypeName(obj)} object'`)
        }
      }
      case 'Filter': {
        const value = sub(e.value)
        const args = e.args.map(sub)
        const kwargs: Record<string, unknown> = {}
        for (const k of e.kwargs) Object.defineProperty(kwargs, k.name, { value: sub(k.value), enumerable: true, writable: true, configurable: true })
        const filter = FILTERS[e.name]
        if (filter === undefined) throw new TemplateRenderError(`no filter named '${e.name}'`)
        return filter(this.env, value, args, kwargs)
      }
      case 'Test': {
        const value = sub(e.value)
        const args = e.args.map(sub)
        const test = TESTS[e.name]
        if (test === undefined) throw new TemplateRenderError(`no test named '${e.name}'`)
        return (test(this.env, value, args) === true) !== e.negated
      }
      case 'Binary': {
        const left = sub(e.left)
        return BINARY[e.op](left, sub(e.right))
      }
      case 'Unary': {
        const v = sub(e.operand)
        if (e.op === 'not') return !truthy(v)
        return e.op === '-' ? ops.neg(v) : ops.pos(v)
      }
      case 'Logical': {
        const left = sub(e.left)
        if (e.op === 'and') return truthy(left) ? sub(e.right) : left
        return truthy(left) ? left : sub(e.right)
      }
      case 'Compare': {
        let prev = sub(e.first)
        let result: unknown = false
        for (const o of e.ops) {
          const cur = sub(o.right)
          try {
            result = o.op === 'in' ? ops.contains(cur, prev) : o.op === 'not in' ? !ops.contains(cur, prev) : COMPARE[o.op](prev, cur)
          } catch (err) {
            throw folding ? err : positioned(err, o)
          }
          if (result !== true) return false
          prev = cur
        }
        return result
      }
      case 'CondExpr': {
        if (truthy(sub(e.test))) return sub(e.then)
        // Folding `x if c` with a false c is impossible for Jinja2 (it leaves it to render time).
        if (e.otherwise === null) {
          if (folding) throw IMPOSSIBLE
          return UNDEFINED
        }
        return sub(e.otherwise)
      }
      case 'Name': case 'Call':
        // fold.ts hands over constant expressions only.
        throw new TemplateRenderError('internal error: not a constant expression')
    }
  }
}

/**
 * The value of a constant expression holding a slice (its syntax tree, from codegen), as Jinja2's
 * compiled template computes it. `keepAny`: the expression of a `{{ }}` tag, whose fold Jinja2
 * keeps whatever its value. `holes`: its branches that are not constant, run by `code` (the same
 * order) when taken.
 */
export function foldConstant (env: RuntimeEnv, e: Expr, keepAny: boolean, holes: readonly Expr[] | null, code: ReadonlyArray<() => unknown> | null): unknown {
  try {
    return new Folder(env, holes, code).value(e, keepAny)
  } catch (err) {
    throw err instanceof BranchFailure ? err.cause : err
  }
}
