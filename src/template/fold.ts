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
  /** Every leaf is a literal and every node one whose as_const can succeed (no name, no call). */
  constant: boolean
  hasSlice: boolean
}

const shapes = new WeakMap<Expr, Shape>()

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

function shape (e: Expr): Shape {
  const known = shapes.get(e)
  if (known !== undefined) return known
  const kids = ownChildren(e)
  const out: Shape = { constant: kids !== null, hasSlice: e.type === 'Slice' }
  for (const c of kids ?? []) {
    if (c === null) continue
    const s = shape(c)
    if (!s.constant) out.constant = false
    if (s.hasSlice) out.hasSlice = true
  }
  shapes.set(e, out)
  return out
}

/** A constant expression holding a slice: Jinja2 folds it where it can, with getitem's rules. */
export function foldsDifferently (e: Expr): boolean {
  const s = shape(e)
  return s.constant && s.hasSlice
}
