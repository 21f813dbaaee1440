// Recursive-descent parser for Conduit's Jinja2 subset, following Jinja2's grammar and operator
// precedence (parser.py of Jinja2 3.1). Syntax errors stop at the first problem and name its
// position and what was expected.
import type {
  BlockSet, CompareOp, Expr, Filter, For, If, Keyword, Node, Pos, Set, Target, TargetItem, Template, Test
} from './ast.js'
import { TemplateSyntaxError } from './ast.js'
import { LexError, tokenize, where } from './lexer.js'
import type { Token } from './lexer.js'
import { LIMITS } from './runtime/env.js'

export class ParseError extends TemplateSyntaxError {}

/** Every name of a tuple target, in order. */
function targetNames (items: TargetItem[]): Array<Pos & { name: string }> {
  return items.flatMap(i => i.type === 'Name' ? [{ name: i.name, line: i.line, column: i.column }] : targetNames(i.items))
}

const MAX_CHAIN = 256
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>='])
const END_TAGS = new Set(['endif', 'endfor', 'endset', 'elif', 'else', 'endraw'])
const KNOWN_UNSUPPORTED = new Set(['macro', 'call', 'block', 'extends', 'include', 'import', 'from', 'filter', 'with', 'autoescape', 'do', 'break', 'continue', 'trans'])

function describe (t: Token): string {
  switch (t.type) {
    case 'eof': return 'end of template'
    case 'var_end': return 'end of print statement'
    case 'block_end': return 'end of statement block'
    case 'var_begin': return 'begin of print statement'
    case 'block_begin': return 'begin of statement block'
    case 'string': return 'string'
    case 'int': return 'integer'
    case 'float': return 'float'
    case 'data': return 'template text'
    default: return `'${t.value}'`
  }
}

interface OpenBlock { tag: string, pos: Pos }

class Parser {
  private i = 0
  private exprDepth = 0
  private chainDepth = 0
  private readonly blocks: OpenBlock[] = []

  constructor (private readonly tokens: Token[], private readonly source: string) {}

  private get cur (): Token { return this.tokens[this.i] as Token }
  private peek (n = 1): Token { return this.tokens[Math.min(this.i + n, this.tokens.length - 1)] as Token }
  private next (): Token { const t = this.cur; if (t.type !== 'eof') this.i++; return t }
  private isOp (v: string): boolean { return this.cur.type === 'op' && this.cur.value === v }
  private isName (v: string): boolean { return this.cur.type === 'name' && this.cur.value === v }

  fail (message: string, pos: Pos = this.cur): never {
    throw new ParseError(message, pos)
  }

  private unexpected (expected: string): never {
    const t = this.cur
    if (t.type === 'eof') this.fail(`unexpected end of template, expected ${expected}`)
    this.fail(`unexpected ${describe(t)}, expected ${expected}`)
  }

  private expectOp (v: string): Token {
    if (!this.isOp(v)) this.unexpected(`'${v}'`)
    return this.next()
  }

  private expectName (what = 'a name'): Token {
    if (this.cur.type !== 'name') this.unexpected(what)
    return this.next()
  }

  private expectBlockEnd (): void {
    if (this.cur.type !== 'block_end') this.unexpected("'%}' (end of statement block)")
    this.next()
  }

  /** The `%}` that opens a body (if, elif, else, for, block set): Jinja2 takes one `:` before it, as in Python. */
  private expectBodyStart (): void {
    if (this.isOp(':')) this.next()
    this.expectBlockEnd()
  }

  // ---- statements ----

  parseTemplate (): Node[] {
    const body = this.subparse(new Set())
    if (this.cur.type !== 'eof') this.fail(`unexpected '${this.peek().value}'`)
    return body
  }

  /** Parses nodes until a block tag whose name is in `ends` (left unconsumed: the block_begin is current). */
  private subparse (ends: ReadonlySet<string>): Node[] {
    const body: Node[] = []
    for (;;) {
      const t = this.cur
      if (t.type === 'eof') {
        const open = this.blocks[this.blocks.length - 1]
        if (open !== undefined) {
          this.fail(`unexpected end of template: expected 'end${open.tag}' to close '${open.tag}' from ${where(open.pos)}`)
        }
        return body
      }
      if (t.type === 'data') {
        this.next()
        body.push({ type: 'Text', text: t.value, line: t.line, column: t.column })
      } else if (t.type === 'var_begin') {
        this.next()
        const expr = this.parseTuple(true)
        if (this.cur.type !== 'var_end') this.unexpected("'}}' (end of print statement)")
        const end = this.next()
        body.push({ type: 'Output', expr, source: this.source.slice(t.start, end.end), line: t.line, column: t.column })
      } else if (t.type === 'block_begin') {
        const nameTok = this.peek()
        if (nameTok.type === 'name' && ends.has(nameTok.value)) return body
        this.next()
        body.push(this.parseStatement(t))
      } else {
        this.unexpected('template text or a tag')
      }
    }
  }

  private parseStatement (begin: Token): Node {
    const nameTok = this.cur
    if (nameTok.type !== 'name') this.unexpected('a statement name such as if, for or set')
    const tag = nameTok.value
    switch (tag) {
      case 'if': return this.parseIf(begin)
      case 'for': return this.parseFor(begin)
      case 'set': return this.parseSet(begin)
    }
    const open = this.blocks[this.blocks.length - 1]
    if (END_TAGS.has(tag)) {
      if (open === undefined) this.fail(`unexpected '${tag}': no open block to close`, nameTok)
      this.fail(`unexpected '${tag}' inside '${open.tag}' from ${where(open.pos)}`, nameTok)
    }
    if (KNOWN_UNSUPPORTED.has(tag)) this.fail(`the '${tag}' tag is not supported in Conduit templates`, nameTok)
    return this.fail(`unknown tag '${tag}'`, nameTok)
  }

  private openBlock (tag: string, pos: Pos): void {
    if (this.blocks.length >= LIMITS.nestingDepth) this.fail(`nesting depth exceeds ${LIMITS.nestingDepth} levels`, pos)
    this.blocks.push({ tag, pos })
  }

  /** Consumes `{% name` of a closing/continuing tag that subparse stopped on. */
  private takeTag (): string {
    this.next() // block_begin
    return this.next().value
  }

  private parseIf (begin: Token): If {
    this.next()
    this.openBlock('if', begin)
    const node: If = { type: 'If', test: this.parseTuple(false), body: [], otherwise: [], line: begin.line, column: begin.column }
    this.expectBodyStart()
    let current = node
    for (;;) {
      current.body = this.subparse(new Set(['elif', 'else', 'endif']))
      const tagPos = this.peek()
      const tag = this.takeTag()
      if (tag === 'elif') {
        const elif: If = { type: 'If', test: this.parseTuple(false), body: [], otherwise: [], line: tagPos.line, column: tagPos.column }
        this.expectBodyStart()
        current.otherwise = [elif]
        current = elif
        continue
      }
      if (tag === 'else') {
        this.expectBodyStart()
        current.otherwise = this.subparse(new Set(['endif']))
        this.takeTag()
      }
      this.expectBlockEnd()
      break
    }
    this.blocks.pop()
    return node
  }

  private parseFor (begin: Token): For {
    this.next()
    this.openBlock('for', begin)
    const target = this.parseTarget(false)
    if (!this.isName('in')) this.unexpected("'in'")
    this.next()
    const iter = this.parseTuple(false, true)
    let filter: Expr | null = null
    if (this.isName('if')) {
      this.next()
      filter = this.parseExpression(true)
    }
    if (this.isName('recursive')) this.fail('recursive loops are not supported in Conduit templates')
    this.expectBodyStart()
    const body = this.subparse(new Set(['endfor', 'else']))
    let otherwise: Node[] = []
    if (this.takeTag() === 'else') {
      this.expectBodyStart()
      otherwise = this.subparse(new Set(['endfor']))
      this.takeTag()
    }
    this.expectBlockEnd()
    this.blocks.pop()
    return { type: 'For', target, iter, filter, body, otherwise, line: begin.line, column: begin.column }
  }

  private parseSet (begin: Token): Set | BlockSet {
    this.next()
    const target = this.parseTarget(true)
    if (this.isOp('=')) {
      this.next()
      const value = this.parseTuple(true)
      this.expectBlockEnd()
      return { type: 'Set', target, value, line: begin.line, column: begin.column }
    }
    const filters: Filter[] = []
    while (this.isOp('|')) filters.push(this.parseFilter(null))
    if (this.isOp(':')) this.next()
    if (this.cur.type !== 'block_end') this.unexpected("'=' or '%}'")
    this.next()
    this.openBlock('set', begin)
    const body = this.subparse(new Set(['endset']))
    this.takeTag()
    this.expectBlockEnd()
    this.blocks.pop()
    return { type: 'BlockSet', target, body, filters, line: begin.line, column: begin.column }
  }

  private parseTarget (allowNamespace: boolean): Target {
    const start = this.cur
    if (allowNamespace && start.type === 'name' && this.peek().type === 'op' && this.peek().value === '.') {
      this.next()
      this.next()
      const attr = this.expectName('an attribute name')
      return { type: 'NsAttr', name: start.value, attr: attr.value, line: start.line, column: start.column }
    }
    // Jinja2's parse_tuple(simplified=True): primaries (names, parenthesized tuples) separated by commas.
    const first = this.parseTargetItem()
    if (!this.isOp(',')) {
      if (first.type === 'Name') return first
      return { type: 'Tuple', items: first.items, names: targetNames(first.items), line: first.line, column: first.column }
    }
    const items = [first]
    while (this.isOp(',')) {
      this.next()
      // Only the end of the tag ends the tuple after a comma (Jinja2's is_tuple_end): anything else
      // must be one more target, so `set a, = …` is a syntax error and `for a, in xs` reads `in`
      // as a name (`for a, in in xs` unpacks into `a` and `in`).
      if (this.cur.type === 'block_end' || this.cur.type === 'var_end' || this.isOp(')')) break
      items.push(this.parseTargetItem())
    }
    return { type: 'Tuple', items, names: targetNames(items), line: start.line, column: start.column }
  }

  /** A name or a parenthesized tuple of target items (`(a, b)`, `(a,)`, `(a, (b, c))`). */
  private parseTargetItem (): TargetItem {
    if (this.isOp('(')) {
      const open = this.next()
      this.enter(open)
      const items: TargetItem[] = []
      let tuple = false
      while (!this.isOp(')')) {
        if (items.length > 0) {
          this.expectOp(',')
          tuple = true
          if (this.isOp(')')) break
        }
        items.push(this.parseTargetItem())
      }
      this.leave()
      this.next()
      if (items.length === 0) this.fail('cannot assign to an empty tuple', open)
      // `(a)` is just `a`, as in Python.
      if (items.length === 1 && !tuple) return items[0] as TargetItem
      return { type: 'Tuple', items, line: open.line, column: open.column }
    }
    const n = this.expectName('a variable name')
    return { type: 'Name', name: n.value, line: n.line, column: n.column }
  }

  // ---- expressions ----

  private enter (pos: Pos): void {
    if (++this.exprDepth > LIMITS.nestingDepth) this.fail(`expression nested too deeply (more than ${LIMITS.nestingDepth} levels)`, pos)
  }

  private leave (): void { this.exprDepth-- }

  /**
   * Operator and postfix chains (`a ~ b ~ c`, `x.a.b`) deepen the tree without brackets; bounding
   * them keeps the checker, codegen and V8's parser of the generated code far from stack limits.
   */
  private grow (pos: Pos): void {
    if (++this.chainDepth > MAX_CHAIN) this.fail(`expression too long: more than ${MAX_CHAIN} operators in one expression`, pos)
  }

  private shrink (n: number): void { this.chainDepth -= n }

  /** Jinja2's parse_tuple: `a, b` without parentheses is a tuple. */
  parseTuple (withCondExpr: boolean, forIter = false): Expr {
    const start = this.cur
    const items: Expr[] = []
    let trailingComma = false
    for (;;) {
      if (items.length > 0) {
        if (!this.isOp(',')) break
        this.next()
        trailingComma = true
        if (this.atTupleEnd(forIter)) break
      }
      items.push(this.parseExpression(withCondExpr))
      trailingComma = false
    }
    if (items.length === 1 && !trailingComma) return items[0] as Expr
    if (items.length === 0) this.unexpected('an expression')
    return { type: 'Tuple', items, line: start.line, column: start.column }
  }

  private atTupleEnd (forIter: boolean): boolean {
    const t = this.cur
    if (t.type === 'var_end' || t.type === 'block_end' || t.type === 'eof') return true
    if (t.type === 'op' && (t.value === ')' || t.value === ']' || t.value === '}' || t.value === '=')) return true
    return forIter && t.type === 'name' && (t.value === 'if' || t.value === 'recursive')
  }

  parseExpression (withCondExpr = true): Expr {
    this.enter(this.cur)
    const node = withCondExpr ? this.parseCondExpr() : this.parseOr()
    this.leave()
    return node
  }

  private parseCondExpr (): Expr {
    let expr = this.parseOr()
    while (this.isName('if')) {
      const ifTok = this.next()
      const test = this.parseOr()
      let otherwise: Expr | null = null
      if (this.isName('else')) {
        this.next()
        this.enter(ifTok)
        otherwise = this.parseCondExpr()
        this.leave()
      }
      expr = { type: 'CondExpr', test, then: expr, otherwise, line: expr.line, column: expr.column }
    }
    return expr
  }

  private parseOr (): Expr {
    let left = this.parseAnd()
    let n = 0
    while (this.isName('or')) {
      const op = this.next()
      this.grow(op)
      n++
      left = { type: 'Logical', op: 'or', left, right: this.parseAnd(), line: op.line, column: op.column }
    }
    this.shrink(n)
    return left
  }

  private parseAnd (): Expr {
    let left = this.parseNot()
    let n = 0
    while (this.isName('and')) {
      const op = this.next()
      this.grow(op)
      n++
      left = { type: 'Logical', op: 'and', left, right: this.parseNot(), line: op.line, column: op.column }
    }
    this.shrink(n)
    return left
  }

  private parseNot (): Expr {
    if (this.isName('not')) {
      const op = this.next()
      this.enter(op)
      const operand = this.parseNot()
      this.leave()
      return { type: 'Unary', op: 'not', operand, line: op.line, column: op.column }
    }
    return this.parseCompare()
  }

  private parseCompare (): Expr {
    const first = this.parseMath1()
    const ops: Array<{ op: CompareOp, right: Expr } & Pos> = []
    for (;;) {
      const t = this.cur
      if (t.type === 'op' && COMPARE_OPS.has(t.value)) {
        this.next()
        ops.push({ op: t.value as CompareOp, right: this.parseMath1(), line: t.line, column: t.column })
      } else if (this.isName('in')) {
        this.next()
        ops.push({ op: 'in', right: this.parseMath1(), line: t.line, column: t.column })
      } else if (this.isName('not') && this.peek().type === 'name' && this.peek().value === 'in') {
        this.next()
        this.next()
        ops.push({ op: 'not in', right: this.parseMath1(), line: t.line, column: t.column })
      } else {
        break
      }
      this.grow(t)
    }
    this.shrink(ops.length)
    if (ops.length === 0) return first
    return { type: 'Compare', first, ops, line: first.line, column: first.column }
  }

  private binaryLoop (ops: readonly string[], operand: () => Expr): Expr {
    let left = operand()
    let n = 0
    while (this.cur.type === 'op' && ops.includes(this.cur.value)) {
      const op = this.next()
      this.grow(op)
      n++
      left = { type: 'Binary', op: op.value as '+', left, right: operand(), line: op.line, column: op.column }
    }
    this.shrink(n)
    return left
  }

  private parseMath1 (): Expr { return this.binaryLoop(['+', '-'], () => this.parseConcat()) }
  private parseConcat (): Expr { return this.binaryLoop(['~'], () => this.parseMath2()) }
  private parseMath2 (): Expr { return this.binaryLoop(['*', '/', '//', '%'], () => this.parsePow()) }
  private parsePow (): Expr { return this.binaryLoop(['**'], () => this.parseUnary(true)) }

  private parseUnary (withFilter: boolean): Expr {
    const t = this.cur
    let node: Expr
    if (t.type === 'op' && (t.value === '-' || t.value === '+')) {
      this.next()
      this.enter(t)
      node = { type: 'Unary', op: t.value, operand: this.parseUnary(false), line: t.line, column: t.column }
      this.leave()
    } else {
      node = this.parsePrimary()
    }
    node = this.parsePostfix(node)
    if (withFilter) node = this.parseFilterExpr(node)
    return node
  }

  private parsePrimary (): Expr {
    const t = this.cur
    const pos = { line: t.line, column: t.column }
    switch (t.type) {
      case 'name': {
        this.next()
        switch (t.value) {
          case 'true': case 'True': return { type: 'Literal', value: true, ...pos }
          case 'false': case 'False': return { type: 'Literal', value: false, ...pos }
          case 'none': case 'None': return { type: 'Literal', value: null, ...pos }
        }
        return { type: 'Name', name: t.value, ...pos }
      }
      case 'string': {
        let value = this.next().value
        while (this.cur.type === 'string') value += this.next().value
        return { type: 'Literal', value, ...pos }
      }
      case 'int': {
        this.next()
        const text = t.value
        const digits = /^0[xXoObB]/.test(text) ? text.toLowerCase() : text
        const n = Number(digits)
        if (!Number.isSafeInteger(n) && digits.length > 4300) this.fail('integer literal of more than 4300 digits', t)
        const value = Number.isSafeInteger(n) ? n : BigInt(digits)
        return { type: 'Literal', value, ...pos }
      }
      case 'float':
        this.next()
        return { type: 'Literal', value: Number(t.value), float: true, ...pos }
      case 'op':
        if (t.value === '(') {
          this.next()
          if (this.isOp(')')) {
            this.next()
            return { type: 'Tuple', items: [], ...pos }
          }
          this.enter(t)
          const inner = this.parseTuple(true)
          this.leave()
          this.expectOp(')')
          return inner
        }
        if (t.value === '[') {
          this.next()
          this.enter(t)
          const items: Expr[] = []
          while (!this.isOp(']')) {
            if (items.length > 0) {
              this.expectOp(',')
              if (this.isOp(']')) break
            }
            items.push(this.parseExpression())
          }
          this.leave()
          this.next()
          return { type: 'List', items, ...pos }
        }
        if (t.value === '{') {
          this.next()
          this.enter(t)
          const entries: Array<{ key: Expr, value: Expr }> = []
          while (!this.isOp('}')) {
            if (entries.length > 0) {
              this.expectOp(',')
              if (this.isOp('}')) break
            }
            const key = this.parseExpression()
            this.expectOp(':')
            entries.push({ key, value: this.parseExpression() })
          }
          this.leave()
          this.next()
          return { type: 'Dict', entries, ...pos }
        }
    }
    return this.unexpected('an expression')
  }

  private parsePostfix (node: Expr): Expr {
    let n = 0
    for (;; n++) {
      if (this.isOp('.') || this.isOp('[')) {
        this.grow(this.cur)
        node = this.parseSubscript(node)
      } else if (this.isOp('(')) {
        this.grow(this.cur)
        node = this.parseCall(node)
      } else {
        break
      }
    }
    this.shrink(n)
    return node
  }

  private parseFilterExpr (node: Expr): Expr {
    let n = 0
    for (;; n++) {
      if (this.isOp('|') || this.isName('is') || this.isOp('(')) this.grow(this.cur)
      if (this.isOp('|')) node = this.parseFilter(node)
      else if (this.isName('is')) node = this.parseTest(node)
      else if (this.isOp('(')) node = this.parseCall(node)
      else break
    }
    this.shrink(n)
    return node
  }

  private parseSubscript (node: Expr): Expr {
    const t = this.next()
    if (t.value === '.') {
      const attr = this.cur
      if (attr.type === 'name') {
        this.next()
        return { type: 'GetAttr', object: node, name: attr.value, line: attr.line, column: attr.column }
      }
      if (attr.type === 'int') {
        this.next()
        return { type: 'GetItem', object: node, key: { type: 'Literal', value: Number(attr.value), line: attr.line, column: attr.column }, line: attr.line, column: attr.column }
      }
      return this.unexpected('an attribute name after \'.\'')
    }
    this.enter(t)
    const keys: Array<Expr | { slice: [Expr | null, Expr | null, Expr | null] }> = []
    while (!this.isOp(']')) {
      if (keys.length > 0) {
        this.expectOp(',')
        if (this.isOp(']')) break
      }
      keys.push(this.parseSubscribed())
    }
    this.leave()
    this.next()
    // `x[]` is x[()] to Jinja2's parser: an empty tuple as the key.
    if (keys.length === 0) return { type: 'GetItem', object: node, key: { type: 'Tuple', items: [], line: t.line, column: t.column }, line: t.line, column: t.column }
    if (keys.length === 1) {
      const k = keys[0] as Expr | { slice: [Expr | null, Expr | null, Expr | null] }
      if ('slice' in k) {
        const [start, stop, step] = k.slice
        return { type: 'Slice', object: node, start, stop, step, line: t.line, column: t.column }
      }
      return { type: 'GetItem', object: node, key: k, line: t.line, column: t.column }
    }
    if (keys.some(k => 'slice' in k)) this.fail('multi-dimensional slices are not supported', t)
    return { type: 'GetItem', object: node, key: { type: 'Tuple', items: keys as Expr[], line: t.line, column: t.column }, line: t.line, column: t.column }
  }

  private parseSubscribed (): Expr | { slice: [Expr | null, Expr | null, Expr | null] } {
    let start: Expr | null = null
    if (!this.isOp(':')) {
      start = this.parseExpression()
      if (!this.isOp(':')) return start
    }
    this.next()
    let stop: Expr | null = null
    let step: Expr | null = null
    if (!this.isOp(']') && !this.isOp(',') && !this.isOp(':')) stop = this.parseExpression()
    if (this.isOp(':')) {
      this.next()
      if (!this.isOp(']') && !this.isOp(',')) step = this.parseExpression()
    }
    return { slice: [start, stop, step] }
  }

  private parseArgs (): { args: Expr[], kwargs: Keyword[] } {
    const open = this.expectOp('(')
    this.enter(open)
    const args: Expr[] = []
    const kwargs: Keyword[] = []
    while (!this.isOp(')')) {
      if (args.length + kwargs.length > 0) {
        this.expectOp(',')
        if (this.isOp(')')) break
      }
      if (this.isOp('*') || this.isOp('**')) this.fail('*args and **kwargs are not supported in Conduit templates')
      if (this.cur.type === 'name' && this.peek().type === 'op' && this.peek().value === '=') {
        const key = this.next()
        this.next()
        kwargs.push({ name: key.value, value: this.parseExpression() })
      } else {
        if (kwargs.length > 0) this.fail('positional argument follows keyword argument')
        args.push(this.parseExpression())
      }
    }
    this.leave()
    this.next()
    return { args, kwargs }
  }

  private parseCall (node: Expr): Expr {
    const t = this.cur
    const { args, kwargs } = this.parseArgs()
    return { type: 'Call', callee: node, args, kwargs, line: t.line, column: t.column }
  }

  private dottedName (): Token & { value: string } {
    const first = this.expectName('a filter or test name')
    let value = first.value
    while (this.isOp('.')) {
      this.next()
      value += '.' + this.expectName('a name after \'.\'').value
    }
    return { ...first, value }
  }

  private parseFilter (node: Expr | null): Filter {
    this.next() // '|'
    const name = this.dottedName()
    let args: Expr[] = []
    let kwargs: Keyword[] = []
    if (this.isOp('(')) ({ args, kwargs } = this.parseArgs())
    const value = node ?? { type: 'Literal', value: null, line: name.line, column: name.column }
    return { type: 'Filter', value, name: name.value, args, kwargs, line: name.line, column: name.column }
  }

  private parseTest (node: Expr): Expr {
    this.next() // 'is'
    let negated = false
    if (this.isName('not')) {
      this.next()
      negated = true
    }
    const name = this.dottedName()
    let args: Expr[] = []
    const t = this.cur
    if (this.isOp('(')) {
      const parsed = this.parseArgs()
      if (parsed.kwargs.length > 0) this.fail('tests take no keyword arguments', t)
      args = parsed.args
    } else if ((t.type === 'name' || t.type === 'string' || t.type === 'int' || t.type === 'float' || (t.type === 'op' && (t.value === '(' || t.value === '[' || t.value === '{'))) &&
      !(t.type === 'name' && (t.value === 'else' || t.value === 'or' || t.value === 'and'))) {
      if (this.isName('is')) this.fail('you cannot chain multiple tests with is')
      args = [this.parsePostfix(this.parsePrimary())]
    }
    const test: Test = { type: 'Test', value: node, name: name.value, args, negated, line: name.line, column: name.column }
    return test
  }
}

export function parse (source: string): Template {
  try {
    const { tokens, hasTags } = tokenize(source)
    const body = new Parser(tokens, source).parseTemplate()
    return { body, hasTags }
  } catch (err) {
    if (err instanceof LexError) throw new ParseError(err.message, err)
    throw err
  }
}
