// Jinja2's compiler folds constant expressions (jinja2/optimizer.py, Node.as_const) and its output
// of a `{{ }}` tag (compiler.py, _output_child_to_const), evaluating them once at compile time with
// the sandbox's own rules; an error makes the expression run at render time instead. Folding
// changes nothing visible except for a slice: at render time `x[a:b]` is Python's subscript (a
// TypeError on a float, None, a dict…), but folded it goes through environment.getitem, which turns
// a TypeError or LookupError into Undefined. So `{{ (1.5)[1:2] }}` prints '' and
// `{% set n = (None)[1:] | wordcount %}` sets 0, where `{% set v = (1.5)[1:2] %}` fails.
// Codegen reproduces that for the constant expressions that hold a slice: it hands their tree to
// runtime/const-fold.ts, which evaluates it as Jinja2's compiler folds it, node by node. Expressions
// without a slice fold to what they compute anyway, so they compile as usual.
import type { Expr } from './ast.js'

/** Filters Jinja2 never folds: they take the render context (@pass_context). */
const CONTEXT_FILTERS = new Set(['map', 'select', 'reject', 'selectattr', 'rejectattr'])

interface Shape {
  /**
   * Node.as_const can succeed: every leaf a literal and every node one that folds (no name, no
   * call, no context filter), except in a branch that may go unevaluated (`x if c else y`, the
   * right of `and`/`or`): as_const evaluates only the branch taken, so a constant test or left
   * side makes the node possibly constant whatever the other branch holds.
   */
  constant: boolean
  /** A slice the fold would evaluate. */
  hasSlice: boolean
}

/** The children of a node that folds, null for one that never does (a name, a call, a context filter). */
function ownChildren (e: Expr): Array<Expr | null> | null {
  switch (e.type) {
    case 'Literal': return []
    case 'Name': case 'Call': return null
    case 'List': case 'Tuple': return e.items
    case 'Dict': return e.entries.flatMap(en => [en.key, en.value])
    case 'GetAttr': return [e.object]
    case 'GetItem': return [e.object, e.key]
    case 'Slice': return [e.object, e.start, e.stop, e.step]
    case 'Filter': return CONTEXT_FILTERS.has(e.name) ? null : [e.value, ...e.args, ...e.kwargs.map(k => k.value)]
    case 'Test': return [e.value, ...e.args]
    case 'Binary': case 'Logical': return [e.left, e.right]
    case 'Unary': return [e.operand]
    case 'Compare': return [e.first, ...e.ops.map(o => o.right)]
    case 'CondExpr': return [e.test, e.then, e.otherwise]
  }
}
const NONE: Shape = { constant: true, hasSlice: false }

/**
 * The fold shapes of one template's expressions, computed once per node while it compiles (a map
 * that goes with the compilation: a long-lived WeakMap of every node ever compiled would weigh on
 * every garbage collection).
 */
export class FoldShapes {
  private readonly shapes = new Map<Expr, Shape>()

  /** A constant expression holding a slice: Jinja2 folds it where it can, with getitem's rules. */
  foldsDifferently (e: Expr): boolean {
    const s = this.shape(e)
    return s.constant && s.hasSlice
  }

  /**
   * The branches of such an expression that are not constant (a `x if c else y` branch, the right
   * of `and`/`or`): compiled as ordinary code the fold calls when the branch is taken.
   */
  holes (root: Expr): Expr[] {
    const holes: Expr[] = []
    const stack: Expr[] = [root]
    while (stack.length > 0) {
      const e = stack.pop() as Expr
      const lazy = e.type === 'CondExpr' ? [e.then, e.otherwise] : e.type === 'Logical' ? [e.right] : []
      for (const c of ownChildren(e) ?? []) {
        if (c === null) continue
        if (lazy.includes(c) && !this.shape(c).constant) holes.push(c)
        else stack.push(c)
      }
    }
    return holes
  }

  private shape (e: Expr): Shape {
    const known = this.shapes.get(e)
    if (known !== undefined) return known
    let out: Shape
    switch (e.type) {
      case 'Literal': out = NONE; break
      case 'Name': case 'Call': out = { constant: false, hasSlice: false }; break
      case 'CondExpr': {
        const t = this.shape(e.test)
        const a = this.shape(e.then)
        const b = e.otherwise === null ? NONE : this.shape(e.otherwise)
        out = { constant: t.constant && (a.constant || b.constant), hasSlice: t.hasSlice || (a.constant && a.hasSlice) || (b.constant && b.hasSlice) }
        break
      }
      case 'Logical': {
        const l = this.shape(e.left)
        const r = this.shape(e.right)
        out = { constant: l.constant, hasSlice: l.hasSlice || (r.constant && r.hasSlice) }
        break
      }
      default: {
        const kids = ownChildren(e)
        out = { constant: kids !== null, hasSlice: e.type === 'Slice' }
        for (const c of kids ?? []) {
          if (c === null) continue
          const s = this.shape(c)
          if (!s.constant) out.constant = false
          if (s.hasSlice) out.hasSlice = true
        }
      }
    }
    this.shapes.set(e, out)
    return out
  }
}
