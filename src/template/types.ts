// The public contract of the template language (SPEC §4). Everything outside src/template uses only
// what src/template/index.ts exports: compileTemplate() and these types.

/** Field kinds of SPEC §4.3 plus the composite-step kinds of §15. */
export type FieldKind =
  | 'url' | 'header' | 'query' | 'auth' | 'request_body' | 'response_body'
  | 'step_url' | 'step_header' | 'step_query' | 'step_auth' | 'step_request_body' | 'step_response_body'

export const FIELD_KINDS: readonly FieldKind[] = [
  'url', 'header', 'query', 'auth', 'request_body', 'response_body',
  'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body', 'step_response_body'
]

/** `user.*` of SPEC §2.1. Anonymous callers have every field null (None in templates). */
export interface UserContext {
  id: string | null
  email: string | null
  first_name: string | null
  last_name: string | null
  username: string | null
  /** Claim `profile_fields`, keyed by id; read with `user.profile_fields.by_id(N)`. */
  profile_fields: Record<string, unknown> | null
}

export interface HttpExchange {
  /**
   * The pipeline passes the body as UTF-8 text, null (None) when the bytes are not valid UTF-8;
   * never pre-parsed (SPEC §4.3). Any template value is accepted (`conduit render --context`).
   */
  body: unknown
  status_code: number
  /** Lowercase keys. */
  headers: Record<string, string>
}

/**
 * The render context. The template's names sit at top level; `secrets` and `variables` back
 * get_secret()/get_variable() — a name absent from those maps is missing (SPEC §4.4).
 * The same object shape is the `--context` file of `conduit render`.
 */
export interface RenderContext {
  user?: UserContext | null
  tenant_id?: string | null
  pathParams?: Record<string, string>
  body_text?: string
  body_raw?: unknown
  response?: HttpExchange
  steps?: Record<string, HttpExchange>
  request?: {
    body_text?: string
    body_raw?: unknown
    headers?: Record<string, string>
    query_parameters?: Record<string, string>
  }
  secrets?: Record<string, string>
  variables?: Record<string, string>
  /** Clock for now(), milliseconds since the epoch; Date.now when absent. Not a template name. */
  clock?: () => number
}

export interface TemplateProblem {
  message: string
  line: number
  column: number
}

export interface CompiledTemplate {
  readonly source: string
  readonly kind: FieldKind
  /** Names passed to get_secret() / get_variable(), deduplicated, in order of first use. */
  readonly secretNames: readonly string[]
  readonly variableNames: readonly string[]
  /** Top-level context names the template reads (`user`, `tenant_id`, `pathParams`, …). */
  readonly names: ReadonlySet<string>
  /** True when the template has no tags at all: render() always returns `source`. */
  readonly isStatic: boolean
  /** Synchronous; throws TemplateRenderError. */
  render (context: RenderContext): string
}

/** One compile error listing every problem with its position. */
export class TemplateCompileError extends Error {
  readonly problems: TemplateProblem[]
  constructor (problems: TemplateProblem[]) {
    super(problems.map(p => `${p.message} (line ${p.line}, column ${p.column})`).join('; '))
    this.name = 'TemplateCompileError'
    this.problems = problems
  }
}

export class TemplateRenderError extends Error {
  readonly line: number | undefined
  readonly column: number | undefined
  constructor (message: string, position?: { line: number, column: number }) {
    super(position === undefined ? message : `${message} (line ${position.line}, column ${position.column})`)
    this.name = 'TemplateRenderError'
    this.line = position?.line
    this.column = position?.column
  }
}
