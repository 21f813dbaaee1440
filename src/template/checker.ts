// Compile-time checks of a parsed template against its field (SPEC §4.2, §4.3, §15): which context
// names and functions the field may use, the sandbox rules (no `_` attributes, no constructor /
// prototype / __proto__, calls only to whitelisted functions and safe methods), known filters and
// tests, and literal secret/variable names. Every problem is collected; the caller throws them at once.
import type { Expr, Node, Pos, Target, Template } from './ast.js'
import type { FieldKind, TemplateProblem } from './types.js'
import { ALL_SAFE_METHOD_NAMES } from './runtime/access.js'
import { FILTERS } from './runtime/filters.js'
import { TESTS } from './runtime/tests.js'

/** Every top-level context name some field can see. */
export const CONTEXT_NAMES: ReadonlySet<string> = new Set(['user', 'tenant_id', 'pathParams', 'body_text', 'body_raw', 'response', 'steps', 'request'])

export const FUNCTION_NAMES: ReadonlySet<string> = new Set(['range', 'namespace', 'dict', 'now', 'jwt_encode', 'get_secret', 'get_variable'])

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const FORBIDDEN_NAMES = new Set(['constructor', 'prototype', '__proto__'])

const SECRET_KINDS = new Set<FieldKind>(['header', 'query', 'auth', 'step_header', 'step_query', 'step_auth'])
const VARIABLE_KINDS = new Set<FieldKind>(['url', 'header', 'query', 'auth', 'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body', 'step_response_body'])
const JWT_KINDS = new Set<FieldKind>(['url', 'header', 'query', 'auth', 'request_body', 'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body'])

export function isStepKind (kind: FieldKind): boolean {
  return kind.startsWith('step_')
}

/** Why a context name or function is unavailable in `kind`, or undefined when it is available. */
export function unavailableReason (name: string, kind: FieldKind): string | undefined {
  const step = isStepKind(kind)
  switch (name) {
    case 'user': case 'tenant_id': case 'now': case 'range': case 'namespace': case 'dict':
      return undefined
    case 'get_secret':
      return SECRET_KINDS.has(kind) ? undefined : `get_secret() is not available in ${kind}: secrets resolve only in headers, query parameters and authentication`
    case 'get_variable':
      return VARIABLE_KINDS.has(kind) ? undefined : `get_variable() is not available in ${kind}: variables resolve only in the URL, headers, query parameters and authentication`
    case 'jwt_encode':
      return JWT_KINDS.has(kind) ? undefined : `jwt_encode() is not available in ${kind}: response templates cannot sign tokens`
    case 'pathParams':
      return kind === 'url' ? undefined : `pathParams is not available in ${kind}: path parameters exist only in the URL${step ? ' of a plain connector' : ''}`
    case 'body_text': case 'body_raw':
      return kind === 'request_body'
        ? undefined
        : `${name} is not available in ${kind}: the caller's payload exists only in request_body${step ? ` (composite steps read request.${name})` : ''}`
    case 'response':
      return kind === 'response_body' || kind === 'step_response_body' ? undefined : `response is not available in ${kind}: the upstream response exists only in response_body`
    case 'steps': case 'request':
      return step ? undefined : `${name} is not available in ${kind}: only composite step templates see steps and request`
  }
  return `unknown name '${name}'`
}

export interface CheckResult {
  problems: TemplateProblem[]
  secretNames: string[]
  variableNames: string[]
  names: Set<string>
}

function unsafeAttrMessage (name: string): string | undefined {
  if (FORBIDDEN_NAMES.has(name)) return `access to '${name}' is not allowed`
  if (name.startsWith('_')) return `attribute '${name}' is not accessible: names starting with '_' are private`
  return undefined
}

/** Names the template assigns anywhere (set targets, for targets): they are template locals. */
function collectAssigned (nodes: Node[], out: Set<string>): void {
  const addTarget = (t: Target): void => {
    if (t.type === 'Name') out.add(t.name)
    else if (t.type === 'Tuple') t.names.forEach(n => out.add(n.name))
  }
  for (const n of nodes) {
    if (n.type === 'Set' || n.type === 'BlockSet') addTarget(n.target)
    if (n.type === 'BlockSet') collectAssigned(n.body, out)
    if (n.type === 'If') {
      // An elif chain nests If nodes in else branches: walked in a loop, not by recursion.
      let cur: Node = n
      while (cur.type === 'If') {
        collectAssigned(cur.body, out)
        const next: Node | undefined = cur.otherwise.length === 1 ? cur.otherwise[0] : undefined
        if (next === undefined || next.type !== 'If') { collectAssigned(cur.otherwise, out); break }
        cur = next
      }
    }
    if (n.type === 'For') { addTarget(n.target); collectAssigned(n.body, out); collectAssigned(n.otherwise, out) }
  }
}

let filterNameSet: ReadonlySet<string> | undefined
let testNameSet: ReadonlySet<string> | undefined

class Checker {
  readonly problems: TemplateProblem[] = []
  readonly secretNames: string[] = []
  readonly variableNames: string[] = []
  readonly names = new Set<string>()
  private readonly locals = new Set<string>()
  private loopDepth = 0
  private readonly filterNames: ReadonlySet<string>
  private readonly testNames: ReadonlySet<string>

  constructor (private readonly kind: FieldKind) {
    // Built once on first use (not at import, in case of import cycles), not once per template.
    filterNameSet ??= new Set(Object.keys(FILTERS))
    testNameSet ??= new Set(Object.keys(TESTS))
    this.filterNames = filterNameSet
    this.testNames = testNameSet
  }

  private problem (message: string, pos: Pos): void {
    this.problems.push({ message, line: pos.line, column: pos.column })
  }

  check (template: Template): void {
    collectAssigned(template.body, this.locals)
    this.nodes(template.body)
  }

  private nodes (nodes: Node[]): void {
    for (const n of nodes) this.node(n)
  }

  private target (t: Target): void {
    const names = t.type === 'Tuple' ? t.names : [t]
    for (const n of names) {
      if (FUNCTION_NAMES.has(n.name) || n.name === 'loop') this.problem(`cannot assign to '${n.name}': it is a reserved name`, n)
    }
    if (t.type === 'NsAttr') {
      this.name({ name: t.name, line: t.line, column: t.column })
      const bad = unsafeAttrMessage(t.attr)
      if (bad !== undefined) this.problem(bad, t)
    }
  }

  private node (n: Node): void {
    switch (n.type) {
      case 'Text': return
      case 'Output': this.expr(n.expr); return
      case 'If': {
        // An elif chain nests If nodes in else branches: walked in a loop, not by recursion.
        let cur: Node = n
        while (cur.type === 'If') {
          this.expr(cur.test)
          this.nodes(cur.body)
          const next: Node | undefined = cur.otherwise.length === 1 ? cur.otherwise[0] : undefined
          if (next === undefined || next.type !== 'If') { this.nodes(cur.otherwise); break }
          cur = next
        }
        return
      }
      case 'Set': this.expr(n.value); this.target(n.target); return
      case 'BlockSet':
        this.target(n.target)
        this.nodes(n.body)
        for (const f of n.filters) this.filter(f.name, f, f.args, f.kwargs)
        return
      case 'For':
        this.expr(n.iter)
        this.target(n.target)
        this.loopDepth++
        if (n.filter !== null) this.expr(n.filter)
        this.nodes(n.body)
        this.loopDepth--
        this.nodes(n.otherwise)
    }
  }

  private name (e: Pos & { name: string }): void {
    const name = e.name
    if (name === 'loop' && !this.locals.has(name)) {
      if (this.loopDepth === 0) this.problem("'loop' is only defined inside a for loop", e)
      return
    }
    if (this.locals.has(name)) {
      // A template variable that shadows a context name starts with the context value where the
      // field may read it (Jinja2 resolves names not yet assigned from the context).
      if (CONTEXT_NAMES.has(name) && unavailableReason(name, this.kind) === undefined) this.names.add(name)
      return
    }
    if (FUNCTION_NAMES.has(name)) {
      this.problem(`'${name}' is a function: it can only be called, as ${name}(…)`, e)
      return
    }
    if (!CONTEXT_NAMES.has(name)) {
      this.problem(`unknown name '${name}'`, e)
      return
    }
    const reason = unavailableReason(name, this.kind)
    if (reason !== undefined) this.problem(reason, e)
    else this.names.add(name)
  }

  private exprs (list: Expr[]): void {
    for (const e of list) this.expr(e)
  }

  private filter (name: string, pos: Pos, args: Expr[], kwargs: Array<{ name: string, value: Expr }>): void {
    if (!this.filterNames.has(name)) this.problem(`unknown filter '${name}'`, pos)
    this.exprs(args)
    for (const k of kwargs) this.expr(k.value)
    // Attribute names given to filters as literals are checked here too; run-time names are
    // stopped by access.ts.
    const literalNames: Expr[] = []
    if (name === 'attr' || name === 'selectattr' || name === 'rejectattr' || name === 'groupby') literalNames.push(...args.slice(0, 1))
    for (const k of kwargs) if (k.name === 'attribute') literalNames.push(k.value)
    for (const e of literalNames) {
      if (e.type === 'Literal' && typeof e.value === 'string') {
        for (const part of e.value.split('.')) {
          const bad = unsafeAttrMessage(part)
          if (bad !== undefined) this.problem(bad, e)
        }
      }
    }
  }

  private expr (e: Expr): void {
    switch (e.type) {
      case 'Literal': return
      case 'Name': this.name(e); return
      case 'List': case 'Tuple': this.exprs(e.items); return
      case 'Dict':
        for (const { key, value } of e.entries) {
          this.expr(key)
          this.expr(value)
        }
        return
      case 'GetAttr': {
        const bad = unsafeAttrMessage(e.name)
        if (bad !== undefined) this.problem(bad, e)
        this.expr(e.object)
        return
      }
      case 'GetItem':
        if (e.key.type === 'Literal' && typeof e.key.value === 'string') {
          const bad = unsafeAttrMessage(e.key.value)
          if (bad !== undefined) this.problem(bad, e.key)
        }
        this.expr(e.object)
        this.expr(e.key)
        return
      case 'Slice':
        this.expr(e.object)
        for (const p of [e.start, e.stop, e.step]) if (p !== null) this.expr(p)
        return
      case 'Call': this.call(e); return
      case 'Filter':
        this.expr(e.value)
        this.filter(e.name, e, e.args, e.kwargs)
        return
      case 'Test':
        this.expr(e.value)
        if (!this.testNames.has(e.name)) this.problem(`unknown test '${e.name}'`, e)
        this.exprs(e.args)
        return
      case 'Binary': this.expr(e.left); this.expr(e.right); return
      case 'Logical': this.expr(e.left); this.expr(e.right); return
      case 'Unary': this.expr(e.operand); return
      case 'Compare':
        this.expr(e.first)
        for (const op of e.ops) this.expr(op.right)
        return
      case 'CondExpr':
        this.expr(e.test)
        this.expr(e.then)
        if (e.otherwise !== null) this.expr(e.otherwise)
    }
  }

  private call (e: Expr & { type: 'Call' }): void {
    const callee = e.callee
    const argsAndKw = (): void => {
      this.exprs(e.args)
      for (const k of e.kwargs) this.expr(k.value)
    }
    if (callee.type === 'Name' && FUNCTION_NAMES.has(callee.name) && !this.locals.has(callee.name)) {
      const reason = unavailableReason(callee.name, this.kind)
      if (reason !== undefined) {
        this.problem(reason, callee)
        argsAndKw()
        return
      }
      if (callee.name === 'get_secret' || callee.name === 'get_variable') {
        this.secretCall(e, callee.name)
        return
      }
      argsAndKw()
      return
    }
    if (callee.type === 'GetAttr' && ALL_SAFE_METHOD_NAMES.has(callee.name)) {
      this.expr(callee.object)
      argsAndKw()
      return
    }
    const what = callee.type === 'Name'
      ? `'${callee.name}'`
      : callee.type === 'GetAttr' ? `method '${callee.name}'` : 'this value'
    this.problem(`calling ${what} is not allowed: only range, namespace, dict, now, jwt_encode, get_secret, get_variable and the safe methods (${[...ALL_SAFE_METHOD_NAMES].join(', ')}) can be called`, e)
    this.expr(callee)
    argsAndKw()
  }

  private secretCall (e: Expr & { type: 'Call' }, fn: 'get_secret' | 'get_variable'): void {
    const arg = e.args[0]
    if (e.args.length !== 1 || e.kwargs.length > 0 || arg === undefined || arg.type !== 'Literal' || typeof arg.value !== 'string') {
      this.problem(`${fn}() takes exactly one string literal, e.g. ${fn}('api_key')`, e)
      return
    }
    if (!SECRET_NAME.test(arg.value)) {
      this.problem(`${fn}(${JSON.stringify(arg.value)}): a ${fn === 'get_secret' ? 'secret' : 'variable'} name must match ^[A-Za-z_][A-Za-z0-9_]*$`, arg)
      return
    }
    const list = fn === 'get_secret' ? this.secretNames : this.variableNames
    if (!list.includes(arg.value)) list.push(arg.value)
  }
}

export function check (template: Template, kind: FieldKind): CheckResult {
  const c = new Checker(kind)
  c.check(template)
  const problems = [...c.problems].sort((a, b) => a.line - b.line || a.column - b.column)
  return { problems, secretNames: c.secretNames, variableNames: c.variableNames, names: c.names }
}
