// Turns a checked template AST into the JavaScript body of one eta exec tag (SPEC §4.1). Template
// text only ever appears inside JS string literals made by lit() (JSON.stringify, with < > % escaped
// so no eta tag delimiter can appear anywhere in the eta source); every other byte of code comes
// from this file. The code is straight-line: a string accumulator `o`, one local per template
// variable and runtime calls through `R` (render-helpers.ts). `L` records the node being evaluated
// so a failure reports its line and column.
import type { Expr, If, Node, Pos, Target, TargetItem, Template } from './ast.js'
import { FUNCTION_NAMES } from './checker.js'
import { FoldShapes } from './fold.js'
import { SAFE_METHODS, isUnsafeName } from './runtime/access.js'
import { FILTER_SIGNATURES } from './runtime/filters.js'
import { PyFloat } from './runtime/values.js'

/** A JS string literal for any text, safe inside an eta tag. */
export function lit (text: string): string {
  return JSON.stringify(text).replace(/[<>%\u2028\u2029]/g, c => '\\u' + (c.codePointAt(0) as number).toString(16).padStart(4, '0'))
}

export interface Generated {
  /** Body of the render function: reads `it.r` (runtime), `it.e` (env), `it.c` (context), `it.p`, `it.k`. */
  code: string
  positions: Pos[]
  constants: unknown[]
}

class Scope {
  readonly vars = new Map<string, string>()
  constructor (readonly parent: Scope | null) {}
}

const BINARY: Record<string, string> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'truediv', '//': 'floordiv', '%': 'mod', '**': 'pow', '~': 'concat'
}
const COMPARE: Record<string, string> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' }

/**
 * The branches of an if/elif/…/else chain, flat: `{% elif %}` nests an If in the else branch, and a
 * chain thousands long must be walked (and compiled) without recursing once per branch.
 */
export function ifChain (n: If): { tests: Array<{ test: Expr, body: Node[] }>, otherwise: Node[] } {
  const tests: Array<{ test: Expr, body: Node[] }> = []
  let cur: If = n
  for (;;) {
    tests.push({ test: cur.test, body: cur.body })
    const next = cur.otherwise.length === 1 ? cur.otherwise[0] as Node : undefined
    if (next === undefined || next.type !== 'If') return { tests, otherwise: cur.otherwise }
    cur = next
  }
}

/** Names a for-loop body assigns (its own locals, re-initialised from the outer scope each iteration). */
function assignedIn (nodes: Node[], out: Set<string>): Set<string> {
  for (const n of nodes) {
    if (n.type === 'Set' || n.type === 'BlockSet') {
      if (n.target.type === 'Name') out.add(n.target.name)
      else if (n.target.type === 'Tuple') n.target.names.forEach(x => out.add(x.name))
    }
    if (n.type === 'BlockSet') assignedIn(n.body, out)
    if (n.type === 'If') {
      const chain = ifChain(n)
      for (const branch of chain.tests) assignedIn(branch.body, out)
      assignedIn(chain.otherwise, out)
    }
    if (n.type === 'For') assignedIn(n.otherwise, out)
  }
  return out
}

/** Direct children of an expression (what a walk of it visits next). */
function children (e: Expr): Array<Expr | null> {
  switch (e.type) {
    case 'Literal': case 'Name': return []
    case 'List': case 'Tuple': return e.items
    case 'Dict': return e.entries.flatMap(en => [en.key, en.value])
    case 'GetAttr': return [e.object]
    case 'GetItem': return [e.object, e.key]
    case 'Slice': return [e.object, e.start, e.stop, e.step]
    case 'Call': return [e.callee, ...e.args, ...e.kwargs.map(k => k.value)]
    case 'Filter': return [e.value, ...e.args, ...e.kwargs.map(k => k.value)]
    case 'Test': return [e.value, ...e.args]
    case 'Binary': case 'Logical': return [e.left, e.right]
    case 'Unary': return [e.operand]
    case 'Compare': return [e.first, ...e.ops.map(o => o.right)]
    case 'CondExpr': return [e.test, e.then, e.otherwise]
  }
}

/** Number of nodes of an expression, counted with an explicit stack. */
function exprWeight (root: Expr): number {
  let n = 0
  const stack: Array<Expr | null> = [root]
  while (stack.length > 0) {
    const e = stack.pop()
    if (e === null || e === undefined) continue
    n++
    for (const c of children(e)) stack.push(c)
  }
  return n
}

/**
 * The static size of a loop body: what one step runs whatever the values, charged to the work
 * budget per step (SPEC §4.5), so a long body in a long loop cannot run uncounted. An inner loop
 * counts its iterable and filter here; its own body is charged by its own steps.
 */
function bodyWeight (nodes: Node[]): number {
  let n = 0
  for (const node of nodes) {
    n++
    switch (node.type) {
      case 'Output': n += exprWeight(node.expr); break
      case 'Set': n += exprWeight(node.value); break
      case 'BlockSet': n += bodyWeight(node.body) + node.filters.length; break
      case 'If': {
        const chain = ifChain(node)
        for (const branch of chain.tests) n += exprWeight(branch.test) + bodyWeight(branch.body)
        n += bodyWeight(chain.otherwise)
        break
      }
      case 'For': n += exprWeight(node.iter) + bodyWeight(node.otherwise); break
    }
  }
  return n
}

/** Which of get_secret / get_variable `x` calls, if it is such a call. */
function secretCallName (x: Expr): 'get_secret' | 'get_variable' | undefined {
  if (x.type !== 'Call' || x.callee.type !== 'Name') return undefined
  const name = x.callee.name
  return name === 'get_secret' || name === 'get_variable' ? name : undefined
}

/**
 * Secret and variable names an expression reads, except a call that is directly the input of a
 * `default`/`d` filter: there a missing name is just Undefined so the default applies (the lead's
 * reading of SPEC §1's `{{ get_variable('host') | default('literal') }}` hosts).
 */
function secretRefs (e: Expr, out: { secrets: string[], variables: string[] }): void {
  const visit = (x: Expr | null): void => {
    if (x === null) return
    switch (x.type) {
      case 'Call':
        {
          const fn = secretCallName(x)
          const arg = x.args[0]
          if (fn !== undefined && arg?.type === 'Literal' && typeof arg.value === 'string') {
            (fn === 'get_secret' ? out.secrets : out.variables).push(arg.value)
          }
        }
        visit(x.callee); x.args.forEach(visit); x.kwargs.forEach(k => visit(k.value)); return
      case 'List': case 'Tuple': x.items.forEach(visit); return
      case 'Dict': x.entries.forEach(en => { visit(en.key); visit(en.value) }); return
      case 'GetAttr': visit(x.object); return
      case 'GetItem': visit(x.object); visit(x.key); return
      case 'Slice': visit(x.object); visit(x.start); visit(x.stop); visit(x.step); return
      case 'Filter':
        if (!((x.name === 'default' || x.name === 'd') && secretCallName(x.value) !== undefined)) visit(x.value)
        x.args.forEach(visit); x.kwargs.forEach(k => visit(k.value)); return
      case 'Test': visit(x.value); x.args.forEach(visit); return
      case 'Binary': case 'Logical': visit(x.left); visit(x.right); return
      case 'Unary': visit(x.operand); return
      case 'Compare': visit(x.first); x.ops.forEach(o => visit(o.right)); return
      case 'CondExpr': visit(x.test); visit(x.then); visit(x.otherwise)
    }
  }
  visit(e)
}

class Generator {
  readonly positions: Pos[] = []
  readonly constants: unknown[] = []
  private readonly top = new Scope(null)
  private readonly topDecls: string[] = []
  /** Bound filters the template calls, read from the runtime once per render: name → local. */
  private readonly filterLocals = new Map<string, string>()
  /**
   * The one counter behind every generated identifier: each name is a fixed prefix and a number
   * drawn from here (fresh()), so no two temporaries, loop variables or hoisted filters can collide.
   * Fixed names (R, E, C, P, K, L, o, it, e) carry no digit; `v_<name>_0` is the top-level binding.
   */
  private counter = 1
  /** How many `{% set %}` blocks enclose the code being generated (their text is a value, not output). */
  private capturing = 0
  private readonly temps: string[] = []
  private scope = this.top
  /** Loop variables by identifier: `loop.index` and friends compile to arithmetic on these. */
  private readonly loops = new Map<string, { items: string, idx: string, count: string }>()

  /** Context names the checker allowed this field to read; any other name starts undefined. */
  constructor (private readonly contextNames: ReadonlySet<string>) {}

  private pos (p: Pos): number {
    this.positions.push({ line: p.line, column: p.column })
    return this.positions.length - 1
  }

  /** Trailing argument that records the node position after the operands are evaluated. */
  private at (p: Pos): string {
    return `L = ${this.pos(p)}`
  }

  /** A new identifier `<prefix><n>`, unique in the generated code. */
  private fresh (prefix: string): string {
    return `${prefix}${this.counter++}`
  }

  /** A scratch variable declared once at the top of the render function. */
  private temp (): string {
    const t = this.fresh('T')
    this.temps.push(t)
    return t
  }

  private constant (v: unknown): string {
    this.constants.push(v)
    return `K[${this.constants.length - 1}]`
  }

  private resolve (name: string): string {
    for (let s: Scope | null = this.scope; s !== null; s = s.parent) {
      const v = s.vars.get(name)
      if (v !== undefined) return v
    }
    const ident = `v_${name}_0`
    this.top.vars.set(name, ident)
    let init: string
    if (name === 'user' && this.contextNames.has(name)) init = 'R.user(C.user)'
    else if (name === 'body_raw' && this.contextNames.has(name)) init = 'R.ctx(C.body_raw, "body_raw", C.body_text)'
    else if (this.contextNames.has(name)) init = `R.ctx(C.${name}, ${lit(name)})`
    else init = `R.undef(${lit(name)})`
    this.topDecls.push(`let ${ident} = ${init};`)
    return ident
  }

  /**
   * The code of `nodes` in a scope of their own: what they assign starts from the enclosing value
   * and stays inside (a block set's body, a for loop's else).
   */
  private innerScope (nodes: Node[]): string {
    const outer = this.scope
    const inner = new Scope(outer)
    let inits = ''
    for (const name of assignedIn(nodes, new Set())) {
      const ident = this.fresh(`v_${name}_`)
      inits += `let ${ident} = ${this.resolveOuter(name, outer)};\n`
      inner.vars.set(name, ident)
    }
    this.scope = inner
    const body = this.nodes(nodes)
    this.scope = outer
    return inits + body
  }

  /** Resolves a name in the enclosing scope of the current one (for loop-local initialisation). */
  private resolveOuter (name: string, outer: Scope): string {
    const saved = this.scope
    this.scope = outer
    const v = this.resolve(name)
    this.scope = saved
    return v
  }

  generate (template: Template): Generated {
    const body = this.nodes(template.body)
    const temps = this.temps.length > 0 ? `let ${this.temps.join(', ')};\n` : ''
    const filters = [...this.filterLocals].map(([name, local]) => `const ${local} = R.fb[${lit(name)}];\n`).join('')
    const code = 'const R = it.r, E = it.e, C = it.c, P = it.p, K = it.k;\n' + filters +
      'let L = 0, o = "";\n' + temps +
      'try {\n' + this.topDecls.join('\n') + '\n' + body + '} catch (e) { throw R.err(e, P[L]) }\n' +
      'return R.checkOutput(E, o);\n'
    return { code, positions: this.positions, constants: this.constants }
  }

  private nodes (nodes: Node[]): string {
    let out = ''
    for (const n of nodes) out += this.node(n)
    return out
  }

  private node (n: Node): string {
    switch (n.type) {
      // Text is data (K), so templates of one shape generate identical code and share one compiled function.
      case 'Text': return `o += ${this.constant(n.text)};\n`
      case 'Output': return this.output(n.expr, n.source)
      case 'If': return this.ifStatement(n)
      case 'Set': return this.assign(n.target, this.expr(n.value), n)
      case 'BlockSet': {
        const saved = this.fresh('B')
        let value = 'o'
        for (const f of n.filters) value = this.filterCall(f.name, value, f.args, f.kwargs, f)
        const val = this.fresh('B')
        // The body is its own scope, as in Jinja2: what it assigns stays inside.
        this.capturing++
        const body = this.innerScope(n.body)
        this.capturing--
        return `{ const ${saved} = o; o = "";\n{ ${body}}\nconst ${val} = ${value}; o = ${saved};\n${this.assign(n.target, val, n)}}\n`
      }
      case 'For': return this.forLoop(n)
    }
  }

  /**
   * if/elif/else. A chain is emitted flat (a labelled block of ifs that break out of it), not as
   * nested else-ifs: JavaScript's parser recurses per nesting level and a long chain overflows it.
   */
  private ifStatement (n: If): string {
    const chain = ifChain(n)
    if (chain.tests.length === 1) {
      return `if (R.truthy(${this.expr(n.test)})) {\n${this.nodes(n.body)}}` +
        (n.otherwise.length > 0 ? ` else {\n${this.nodes(n.otherwise)}}\n` : '\n')
    }
    const label = this.fresh('I')
    let code = `${label}: {\n`
    for (const branch of chain.tests) code += `if (R.truthy(${this.expr(branch.test)})) {\n${this.nodes(branch.body)}break ${label};\n}\n`
    return code + this.nodes(chain.otherwise) + '}\n'
  }

  private output (expr: Expr, source: string): string {
    const refs = { secrets: [] as string[], variables: [] as string[] }
    secretRefs(expr, refs)
    this.outputExpr = expr
    const value = expr.type === 'Literal' && typeof expr.value === 'string' ? this.constant(expr.value) : `R.str(${this.expr(expr)})`
    this.outputExpr = null
    if (refs.secrets.length === 0 && refs.variables.length === 0) return `o += ${value};\n`
    // SPEC §4.4: a tag naming a missing secret or variable renders as its own source text.
    const conds = [
      ...[...new Set(refs.secrets)].map(s => `R.has(C.secrets, ${lit(s)})`),
      ...[...new Set(refs.variables)].map(v => `R.has(C.variables, ${lit(v)})`)
    ]
    return `if (${conds.join(' && ')}) { o += ${value}; } else { o += ${lit(source)}; }\n`
  }

  private assign (target: Target, value: string, p: Pos): string {
    if (target.type === 'Name') return `${this.resolve(target.name)} = ${value};\n`
    if (target.type === 'NsAttr') return `R.nsSet(${this.resolve(target.name)}, ${lit(target.attr)}, ${value}, ${this.at(p)});\n`
    return '{ ' + this.destructure(target.items, value, (name, v) => `${this.resolve(name)} = ${v};\n`, p) + '}\n'
  }

  /** Unpacks `value` into a (nested) tuple target; `bind` makes the code that stores one name. */
  private destructure (items: TargetItem[], value: string, bind: (name: string, value: string) => string, p: Pos): string {
    const u = this.fresh('U')
    let code = `const ${u} = R.unpack(${value}, ${items.length}, ${this.at(p)});\n`
    items.forEach((item, i) => {
      code += item.type === 'Name' ? bind(item.name, `${u}[${i}]`) : this.destructure(item.items, `${u}[${i}]`, bind, item)
    })
    return code
  }

  private forLoop (n: Node & { type: 'For' }): string {
    const outer = this.scope
    const items = this.fresh('A')
    const idx = this.fresh('i')
    const count = this.fresh('N')
    const targetNames = n.target.type === 'Name' ? [n.target.name] : n.target.type === 'Tuple' ? n.target.names.map(x => x.name) : []
    const bindTargets = (scope: Scope, item: string): string => {
      const idents = targetNames.map(t => {
        const ident = this.fresh(`v_${t}_`)
        scope.vars.set(t, ident)
        return ident
      })
      if (n.target.type !== 'Tuple') return `let ${idents[0] as string} = ${item};\n`
      let next = 0
      return this.destructure(n.target.items, item, (_name, v) => `let ${idents[next++] as string} = ${v};\n`, n.target)
    }

    // A list loops by index, its length known. An iterator (a generator, reverse of a list) and a
    // filtered loop pull their items as the loop goes, as in Jinja2: the `if` of `for … if` runs on
    // an item when the loop reaches it, after the body has run on the items before it.
    let filter = ''
    if (n.filter !== null) {
      const filterScope = new Scope(outer)
      this.scope = filterScope
      const x = this.fresh('X')
      const bind = bindTargets(filterScope, x)
      const test = this.expr(n.filter)
      this.scope = outer
      filter = `, (${x}) => { R.charge(E, ${exprWeight(n.filter)});\n${bind}return R.truthy(${test});\n}`
    }
    let code = `{ L = ${this.pos(n)};\nconst ${items} = R.loopItems(${this.expr(n.iter)}, ${this.at(n.iter)}${filter});\n`
    const bodyScope = new Scope(outer)
    this.scope = bodyScope
    const x = this.fresh('X')
    const bind = bindTargets(bodyScope, x)
    const loopIdent = this.fresh('v_loop_')
    bodyScope.vars.set('loop', loopIdent)
    this.loops.set(loopIdent, { items, idx, count })
    const locals = [...assignedIn(n.body, new Set())].filter(name => !targetNames.includes(name))
    const localIdents = locals.map(name => {
      const ident = this.fresh(`v_${name}_`)
      return { name, ident }
    })
    // Initialise body locals from the outer scope before they shadow it.
    const localInits = localIdents.map(({ name, ident }) => `let ${ident} = ${this.resolveOuter(name, outer)};\n`).join('')
    for (const { name, ident } of localIdents) bodyScope.vars.set(name, ident)
    const body = this.nodes(n.body)
    const usesLoop = body.includes(loopIdent)
    this.scope = outer
    // count: the length of a list, -1 for items pulled as the loop goes.
    code += `const ${count} = Array.isArray(${items}) ? ${items}.length : -1;\nlet ${idx} = 0;\n` +
      `for (; ${count} >= 0 ? ${idx} < ${count} : ${items}.has(${idx}); ${idx}++) {\nR.charge(E, ${bodyWeight(n.body)}, L = ${this.pos(n)});\n` +
      `const ${x} = ${count} >= 0 ? ${items}[${idx}] : ${items}.buf[${idx}];\n` +
      bind + (usesLoop ? `const ${loopIdent} = new R.Loop(${items}, ${idx});\n` : '') + localInits + body +
      (this.capturing > 0 ? 'R.checkCapture(o);\n}\n' : 'R.checkLength(E, o);\n}\n')
    // The else body is a scope of its own too (Jinja2 renders it in an inner frame).
    if (n.otherwise.length > 0) code += `if (${idx} === 0) {\n${this.innerScope(n.otherwise)}}\n`
    return code + '}\n'
  }

  /** Call arguments; no arguments share one frozen empty array instead of allocating. */
  private args (args: Expr[]): string {
    if (args.length === 0) return 'R.NO_ARGS'
    return '[' + args.map(a => this.expr(a)).join(', ') + ']'
  }

  private kwargs (kwargs: Array<{ name: string, value: Expr }>): string {
    if (kwargs.length === 0) return 'R.NO_KWARGS'
    // Computed keys: an own property even for a name like __proto__.
    return '{' + kwargs.map(k => `[${lit(k.name)}]: ${this.expr(k.value)}`).join(', ') + '}'
  }

  private filterCall (name: string, value: string, args: Expr[], kwargs: Array<{ name: string, value: Expr }>, p: Pos): string {
    const bound = this.bindFilterArgs(name, args, kwargs)
    if (bound !== undefined) {
      let local = this.filterLocals.get(name)
      if (local === undefined) {
        local = this.fresh('F')
        this.filterLocals.set(name, local)
      }
      return `${local}(E, ${value}, ${bound}, ${this.at(p)})`
    }
    return `R.filters[${lit(name)}](E, ${value}, ${this.args(args)}, ${this.kwargs(kwargs)}, ${this.at(p)})`
  }

  /**
   * The arguments of a filter call bound to its parameter names at compile time, as a JS object
   * literal with one key per parameter (defaults from constants). Undefined when the call does not
   * bind (too many arguments, unknown or repeated keyword, missing required one): the generic call
   * then raises Python's error at render time. Keywords out of parameter order are bound only when
   * their values are literals or names, whose evaluation order cannot matter.
   */
  private bindFilterArgs (name: string, args: Expr[], kwargs: Array<{ name: string, value: Expr }>): string | undefined {
    const sig = FILTER_SIGNATURES[name]
    if (sig === undefined || args.length > sig.params.length) return undefined
    const slots: Array<Expr | undefined> = sig.params.map((_, i) => args[i])
    let last = args.length - 1
    const pure = kwargs.every(k => k.value.type === 'Literal' || k.value.type === 'Name')
    for (const k of kwargs) {
      const i = sig.params.indexOf(k.name)
      if (i < args.length || slots[i] !== undefined || (i <= last && !pure)) return undefined
      slots[i] = k.value
      last = Math.max(last, i)
    }
    if (sig.params.some((param, i) => slots[i] === undefined && !Object.hasOwn(sig.defaults, param))) return undefined
    const parts: string[] = []
    for (let i = 0; i < sig.params.length; i++) {
      const param = sig.params[i] as string
      const slot = slots[i]
      parts.push(`${lit(param)}: ${slot === undefined ? this.constant(sig.defaults[param]) : this.expr(slot)}`)
    }
    return parts.length === 0 ? 'R.NO_KWARGS' : `{ ${parts.join(', ')} }`
  }

  /** Which expressions Jinja2's constant folding would change (fold.ts), for this template. */
  private readonly foldShapes = new FoldShapes()
  /** The expression of the `{{ }}` tag being compiled: Jinja2 folds it whatever its value. */
  private outputExpr: Expr | null = null
  expr (e: Expr): string {
    // A constant expression holding a slice is evaluated from its tree as Jinja2 folds it (fold.ts).
    if (this.foldShapes.foldsDifferently(e)) {
      const holes = this.foldShapes.holes(e)
      const any = String(e === this.outputExpr)
      if (holes.length === 0) return `R.foldConst(E, ${this.constant(e)}, ${any}, null, null, ${this.at(e)})`
      const code = holes.map(h => `() => ${this.expr(h)}`).join(', ')
      return `R.foldConst(E, ${this.constant(e)}, ${any}, ${this.constant(holes)}, [${code}], ${this.at(e)})`
    }
    switch (e.type) {
      case 'Literal': {
        const v = e.value
        if (typeof v === 'string') return lit(v)
        if (typeof v === 'bigint') return this.constant(v)
        if (typeof v === 'number') {
          if (e.float === true && Number.isInteger(v)) return this.constant(new PyFloat(v))
          if (!Number.isFinite(v)) return this.constant(v)
          return `(${String(v)})`
        }
        return v === null ? 'null' : String(v)
      }
      case 'Name': return this.resolve(e.name)
      case 'List': return '[' + e.items.map(a => this.expr(a)).join(', ') + ']'
      case 'Tuple': return `R.tuple([${e.items.map(a => this.expr(a)).join(', ')}])`
      case 'Dict': return `R.dict([${e.entries.map(en => `${this.expr(en.key)}, ${this.expr(en.value)}`).join(', ')}])`
      case 'GetAttr': {
        const inline = this.loopAttr(e)
        if (inline !== undefined) return inline
        // A dict method name resolves to the method; unsafe names never get here (the checker refuses
        // them) but would take the guarded path all the same.
        if (SAFE_METHODS.dict.has(e.name as never) || isUnsafeName(e.name)) return `R.attr(${this.expr(e.object)}, ${lit(e.name)}, ${this.at(e)})`
        return `R.key(${this.expr(e.object)}, ${lit(e.name)}, ${this.at(e)})`
      }
      case 'GetItem': return `R.item(${this.expr(e.object)}, ${this.expr(e.key)}, ${this.at(e)})`
      case 'Slice': {
        const part = (x: Expr | null): string => x === null ? 'null' : this.expr(x)
        return `R.slice(${this.expr(e.object)}, ${part(e.start)}, ${part(e.stop)}, ${part(e.step)}, ${this.at(e)})`
      }
      case 'Call': return this.call(e)
      case 'Filter': return this.filterCall(e.name, this.expr(e.value), e.args, e.kwargs, e)
      case 'Test':
        return `${e.negated ? '!' : ''}R.test(E, ${lit(e.name)}, ${this.expr(e.value)}, ${this.args(e.args)}, ${this.at(e)})`
      case 'Binary': return `R.${BINARY[e.op] as string}(${this.expr(e.left)}, ${this.expr(e.right)}, ${this.at(e)})`
      case 'Unary':
        if (e.op === 'not') return `!R.truthy(${this.expr(e.operand)})`
        return `R.${e.op === '-' ? 'neg' : 'pos'}(${this.expr(e.operand)}, ${this.at(e)})`
      case 'Logical': {
        const t = this.temp()
        const left = this.expr(e.left)
        const right = this.expr(e.right)
        return e.op === 'and'
          ? `(R.truthy(${t} = ${left}) ? ${right} : ${t})`
          : `(R.truthy(${t} = ${left}) ? ${t} : ${right})`
      }
      case 'Compare': {
        let prev = this.temp()
        let code = `(${prev} = ${this.expr(e.first)}, `
        const parts: string[] = []
        for (const op of e.ops) {
          const cur = this.temp()
          const right = this.expr(op.right)
          let cmp: string
          if (op.op === 'in') cmp = `R.contains(${cur}, ${prev}, ${this.at(op)})`
          else if (op.op === 'not in') cmp = `!R.contains(${cur}, ${prev}, ${this.at(op)})`
          else cmp = `R.${COMPARE[op.op] as string}(${prev}, ${cur}, ${this.at(op)})`
          parts.push(`(${cur} = ${right}, ${cmp})`)
          prev = cur
        }
        code += parts.join(' && ') + ')'
        return code
      }
      case 'CondExpr': {
        const otherwise = e.otherwise === null ? 'R.UNDEFINED' : this.expr(e.otherwise)
        return `(R.truthy(${this.expr(e.test)}) ? ${this.expr(e.then)} : ${otherwise})`
      }
    }
  }

  /** `loop.index`, `loop.last`, … of the innermost loop without allocating a loop object. */
  private loopAttr (e: Expr & { type: 'GetAttr' }): string | undefined {
    if (e.object.type !== 'Name' || e.object.name !== 'loop') return undefined
    const loop = this.loops.get(this.resolve('loop'))
    if (loop === undefined) return undefined
    const { items, idx: i, count: n } = loop
    // A list's length is known; the items of an iterator are pulled to the end for it.
    const len = `(${n} >= 0 ? ${n} : ${items}.length())`
    switch (e.name) {
      case 'index': return `(${i} + 1)`
      case 'index0': return i
      case 'revindex': return `(${len} - ${i})`
      case 'revindex0': return `(${len} - ${i} - 1)`
      case 'first': return `(${i} === 0)`
      case 'last': return `(${n} >= 0 ? ${i} === ${n} - 1 : !${items}.has(${i} + 1))`
      case 'length': return len
    }
    return undefined
  }

  private call (e: Expr & { type: 'Call' }): string {
    const callee = e.callee
    if (callee.type === 'Name' && FUNCTION_NAMES.has(callee.name) && !this.isLocal(callee.name)) {
      if (callee.name === 'get_secret' || callee.name === 'get_variable') {
        // A missing name yields Undefined here: prints '', is falsy. Only a `{{ }}` tag renders its
        // own source for a missing secret (output() checks before evaluating, except for a call
        // directly under `default`), so inside `{% %}` statements (`{% set t = get_secret('x') %}`,
        // `{% if get_secret('x') %}`) and as the input of `| default(…)` it is just undefined.
        const arg = e.args[0] as Expr & { value: string }
        const map = callee.name === 'get_secret' ? 'C.secrets' : 'C.variables'
        return `R.lookup(${map}, ${lit(arg.value)}, ${lit(callee.name)})`
      }
      return `R.functions[${lit(callee.name)}](E, ${this.args(e.args)}, ${this.kwargs(e.kwargs)}, ${this.at(e)})`
    }
    // The checker admits only safe-method calls here: `obj.method(…)`.
    return `R.call(E, ${this.expr(callee)}, ${this.args(e.args)}, ${this.kwargs(e.kwargs)}, ${this.at(e)})`
  }

  private isLocal (name: string): boolean {
    for (let s: Scope | null = this.scope; s !== null; s = s.parent) if (s.vars.has(name)) return true
    return false
  }
}

export function generate (template: Template, contextNames: ReadonlySet<string>): Generated {
  return new Generator(contextNames).generate(template)
}
