// The syntax tree of Conduit's Jinja2 subset (SPEC §4.2). The parser builds it, the checker
// validates it against a field's context, and codegen turns only this tree (never template text)
// into JavaScript. Every node carries its 1-based line and column for error messages.

export interface Pos {
  line: number
  column: number
}

// ---- expressions ----

/** An int literal beyond 2^53 is a bigint (Python ints are exact). */
export interface Literal extends Pos { type: 'Literal', value: string | number | bigint | boolean | null, float?: boolean }
export interface Name extends Pos { type: 'Name', name: string }
export interface ListExpr extends Pos { type: 'List', items: Expr[] }
export interface TupleExpr extends Pos { type: 'Tuple', items: Expr[] }
export interface DictExpr extends Pos { type: 'Dict', entries: Array<{ key: Expr, value: Expr }> }
export interface GetAttr extends Pos { type: 'GetAttr', object: Expr, name: string }
export interface GetItem extends Pos { type: 'GetItem', object: Expr, key: Expr }
export interface SliceExpr extends Pos { type: 'Slice', object: Expr, start: Expr | null, stop: Expr | null, step: Expr | null }
export interface Keyword { name: string, value: Expr }
export interface Call extends Pos { type: 'Call', callee: Expr, args: Expr[], kwargs: Keyword[] }
export interface Filter extends Pos { type: 'Filter', value: Expr, name: string, args: Expr[], kwargs: Keyword[] }
export interface Test extends Pos { type: 'Test', value: Expr, name: string, args: Expr[], negated: boolean }
export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~'
export interface Binary extends Pos { type: 'Binary', op: BinaryOp, left: Expr, right: Expr }
export interface Unary extends Pos { type: 'Unary', op: '-' | '+' | 'not', operand: Expr }
export interface Logical extends Pos { type: 'Logical', op: 'and' | 'or', left: Expr, right: Expr }
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in'
export interface Compare extends Pos { type: 'Compare', first: Expr, ops: Array<{ op: CompareOp, right: Expr } & Pos> }
export interface CondExpr extends Pos { type: 'CondExpr', test: Expr, then: Expr, otherwise: Expr | null }

export type Expr =
  | Literal | Name | ListExpr | TupleExpr | DictExpr | GetAttr | GetItem | SliceExpr | Call
  | Filter | Test | Binary | Unary | Logical | Compare | CondExpr

// ---- statements ----

export interface Text extends Pos { type: 'Text', text: string }
export interface Output extends Pos {
  type: 'Output'
  expr: Expr
  /** The tag's own source text, `{{` to `}}`, rendered verbatim when a secret or variable is missing (§4.4). */
  source: string
}
export interface If extends Pos { type: 'If', test: Expr, body: Node[], otherwise: Node[] }
/** A name, or a tuple of names (`for k, v in …`, `set a, b = …`), or `ns.attr` (set only). */
export type Target =
  | (Pos & { type: 'Name', name: string })
  | (Pos & { type: 'Tuple', names: Array<Pos & { name: string }> })
  | (Pos & { type: 'NsAttr', name: string, attr: string })
export interface For extends Pos { type: 'For', target: Target, iter: Expr, filter: Expr | null, body: Node[], otherwise: Node[] }
export interface Set extends Pos { type: 'Set', target: Target, value: Expr }
export interface BlockSet extends Pos { type: 'BlockSet', target: Target, body: Node[], filters: Filter[] }

export type Node = Text | Output | If | For | Set | BlockSet

export interface Template {
  body: Node[]
  /** True when the source has no tag at all (only text). */
  hasTags: boolean
}

/** A syntax error at a position of the template source (raised by the lexer or the parser). */
export class TemplateSyntaxError extends Error {
  readonly line: number
  readonly column: number
  constructor (message: string, pos: Pos) {
    super(message)
    this.line = pos.line
    this.column = pos.column
  }
}
