// Facts about a template read from the real lexer and AST, never by evaluating it (Jinja's
// meta.find_undeclared_variables is the model): the template as literal text and tags in source
// order with their offsets, which tags are exactly `get_variable('name')` with an optional
// `| default('literal'[, true])`, and which attributes of a context name (`pathParams.<key>`,
// `steps.<name>`) are read. The registry reads a URL's shape and checks references with these.
import type { Expr, Node, Pos, Target } from './ast.js'
import { TemplateSyntaxError } from './ast.js'
import { tokenize, type PositionMap } from './lexer.js'
import { parse } from './parser.js'

/** A tag that is exactly `get_variable('name')`, optionally `| default('literal')` or `| default('literal', true)`. */
export interface VariableTag {
  name: string
  fallback?: string
}

export type TemplatePart =
  | { tag: false, text: string, start: number }
  /** `text` is the tag's source from `{{`/`{%` to its closer. */
  | { tag: true, text: string, start: number, variable?: VariableTag }

export interface AttributeRead extends Pos {
  /** The attribute read, or undefined when the name is used other than as `name.key` / `name['key']`. */
  key: string | undefined
  /** Offset of the name in the source. */
  offset: number
}

export interface TemplateFacts {
  /** Literal text and tags in source order (comments dropped, whitespace control applied). */
  parts: TemplatePart[]
  /** Every read of the top-level `name`, with the literal attribute it reads. */
  reads: (name: string) => AttributeRead[]
  /** 1-based line and column of an offset (for problems found in `parts`). */
  position: (offset: number) => Pos
}

function variableTag (expr: Expr): VariableTag | undefined {
  let call = expr
  let fallback: string | undefined
  if (expr.type === 'Filter') {
    const [text, flag, extra] = expr.args
    if (expr.name !== 'default' || expr.kwargs.length > 0 || extra !== undefined) return undefined
    if (text?.type !== 'Literal' || typeof text.value !== 'string') return undefined
    if (flag !== undefined && !(flag.type === 'Literal' && flag.value === true)) return undefined
    fallback = text.value
    call = expr.value
  }
  if (call.type !== 'Call' || call.callee.type !== 'Name' || call.callee.name !== 'get_variable') return undefined
  const [name, extra] = call.args
  if (call.kwargs.length > 0 || extra !== undefined || name?.type !== 'Literal' || typeof name.value !== 'string') return undefined
  return fallback === undefined ? { name: name.value } : { name: name.value, fallback }
}

/** Calls `visit` on every expression of the template, outermost first. */
function walk (nodes: readonly Node[], visit: (e: Expr) => void): void {
  const expr = (e: Expr | null | undefined): void => {
    if (e == null) return
    visit(e)
    switch (e.type) {
      case 'List': case 'Tuple': e.items.forEach(expr); break
      case 'Dict': e.entries.forEach(x => { expr(x.key); expr(x.value) }); break
      case 'GetAttr': expr(e.object); break
      case 'GetItem': expr(e.object); expr(e.key); break
      case 'Slice': expr(e.object); expr(e.start); expr(e.stop); expr(e.step); break
      case 'Call': expr(e.callee); e.args.forEach(expr); e.kwargs.forEach(k => expr(k.value)); break
      case 'Filter': expr(e.value); e.args.forEach(expr); e.kwargs.forEach(k => expr(k.value)); break
      case 'Test': expr(e.value); e.args.forEach(expr); break
      case 'Binary': case 'Logical': expr(e.left); expr(e.right); break
      case 'Unary': expr(e.operand); break
      case 'Compare': expr(e.first); e.ops.forEach(o => expr(o.right)); break
      case 'CondExpr': expr(e.test); expr(e.then); expr(e.otherwise); break
    }
  }
  const target = (t: Target): void => {
    if (t.type === 'Name') visit({ type: 'Name', name: t.name, line: t.line, column: t.column })
  }
  for (const n of nodes) {
    switch (n.type) {
      case 'Output': expr(n.expr); break
      case 'If': expr(n.test); walk(n.body, visit); walk(n.otherwise, visit); break
      case 'For': target(n.target); expr(n.iter); expr(n.filter); walk(n.body, visit); walk(n.otherwise, visit); break
      case 'Set': target(n.target); expr(n.value); break
      case 'BlockSet': target(n.target); n.filters.forEach(expr); walk(n.body, visit); break
    }
  }
}

function outputs (nodes: readonly Node[], out: Map<string, Expr>): Map<string, Expr> {
  for (const n of nodes) {
    if (n.type === 'Output') out.set(`${n.line}:${n.column}`, n.expr)
    else if (n.type === 'If' || n.type === 'For') { outputs(n.body, out); outputs(n.otherwise, out) } else if (n.type === 'BlockSet') outputs(n.body, out)
  }
  return out
}

/** The facts of `source`, or undefined when it does not parse (the compiler reports why). */
export function templateFacts (source: string): TemplateFacts | undefined {
  let body: Node[]
  let tokens
  let positions: PositionMap
  try {
    ({ tokens, positions } = tokenize(source))
    body = parse(source).body
  } catch (err) {
    if (err instanceof TemplateSyntaxError || err instanceof RangeError) return undefined
    throw err
  }
  const printed = outputs(body, new Map())
  const parts: TemplatePart[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]
    if (t.type === 'data') {
      parts.push({ tag: false, text: t.value, start: t.start })
    } else if (t.type === 'var_begin' || t.type === 'block_begin') {
      const closer = t.type === 'var_begin' ? 'var_end' : 'block_end'
      let j = i
      while (tokens[j].type !== closer) j++
      const part: TemplatePart = { tag: true, text: source.slice(t.start, tokens[j].end), start: t.start }
      const printedExpr = t.type === 'var_begin' ? printed.get(`${t.line}:${t.column}`) : undefined
      const variable = printedExpr === undefined ? undefined : variableTag(printedExpr)
      if (variable !== undefined) part.variable = variable
      parts.push(part)
      i = j
    }
  }
  const lineStarts = [0]
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i)
    if (c === 10 || (c === 13 && source.charCodeAt(i + 1) !== 10)) lineStarts.push(i + 1)
  }
  const read = (key: string | undefined, at: Pos): AttributeRead =>
    ({ key, line: at.line, column: at.column, offset: (lineStarts[at.line - 1] ?? 0) + at.column - 1 })
  return {
    parts,
    position: (offset) => positions.at(offset),
    reads (name) {
      return namedReads(body, name).map(r => read(r.key, r.at)).sort((a, b) => a.offset - b.offset)
    }
  }
}

/** Every read of the top-level `name` in `body`, with the literal attribute or key it reads (undefined for any other use). */
function namedReads (body: readonly Node[], name: string): Array<{ key: string | undefined, at: Pos }> {
  const found: Array<{ key: string | undefined, at: Pos }> = []
  const keyed = new Set<Expr>()
  walk(body, e => {
    if (e.type === 'GetAttr' && e.object.type === 'Name' && e.object.name === name) {
      keyed.add(e.object)
      found.push({ key: e.name, at: e.object })
    } else if (e.type === 'GetItem' && e.object.type === 'Name' && e.object.name === name &&
      e.key.type === 'Literal' && typeof e.key.value === 'string') {
      keyed.add(e.object)
      found.push({ key: e.key.value, at: e.object })
    } else if (e.type === 'Name' && e.name === name && !keyed.has(e)) {
      found.push({ key: undefined, at: e })
    }
  })
  return found
}

/** Functions whose result is not fixed by their arguments: the clock, and variables a registry reload changes. */
const IMPURE_FUNCTIONS = ['now', 'get_variable', 'get_secret']

/**
 * Whether a compiled template's output is a function of `response.status_code` and
 * `response.body` alone: the only context name it reads is `response`, only through those two
 * attributes, and it names no function whose result is not fixed by its arguments. `contextNames`
 * are the context names the checker found the template reading. False when unsure.
 */
export function readsOnlyResponseStatusAndBody (body: readonly Node[], contextNames: ReadonlySet<string>): boolean {
  if (contextNames.size !== 1 || !contextNames.has('response')) return false
  if (!namedReads(body, 'response').every(r => r.key === 'body' || r.key === 'status_code')) return false
  return IMPURE_FUNCTIONS.every(fn => namedReads(body, fn).length === 0)
}
