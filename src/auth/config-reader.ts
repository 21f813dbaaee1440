// Reading one authentication `config` at registry load (SPEC §1, §6): the field checks every
// strategy shares. Each records its problems with a field path relative to the authentication
// object (`config.client_secret`, `config.claims.sub`) and goes on, so one load reports them all.
import { compileTemplate } from '../template/index.js'
import { TemplateCompileError } from '../template/types.js'
import type { CompiledTemplate, FieldKind } from '../template/types.js'
import { DestinationPolicy } from '../upstream/destination-policy.js'
import { checkUrlTemplate, TOKEN_URL } from '../upstream/url-template.js'
import { canonicalAlgorithm, DEFAULT_JWT_ALGORITHM, JWT_ALGORITHMS } from './algorithms.js'

export interface AuthCompileContext {
  allowInsecure: boolean
  allowPrivateNetworks: boolean
  /** The destination policy of these settings (built from them when absent). */
  policy?: DestinationPolicy
  /** 'step_auth' for composite steps (SPEC §15); 'auth' by default. */
  fieldKind?: Extract<FieldKind, 'auth' | 'step_auth'>
}

export interface AuthProblem {
  /** Relative to the authentication object; '' means the object itself. */
  field: string
  message: string
  line?: number
  column?: number
}

/** The token endpoint fields of a definition (oauth_client_credentials, oauth_jwt_bearer). */
export interface TokenEndpoint {
  token_url: CompiledTemplate
  /** The origin is a get_variable(): the scheme is known only after rendering, and checked then. */
  tokenUrlVariableOrigin: boolean
}

const NUMERIC_CLAIMS = new Set(['exp', 'iat', 'nbf'])

export function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function describe (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}

export class ConfigReader {
  readonly problems: AuthProblem[] = []
  readonly warnings: AuthProblem[] = []
  constructor (readonly ctx: AuthCompileContext, readonly config: Record<string, unknown>) {}

  get kind (): FieldKind {
    return this.ctx.fieldKind ?? 'auth'
  }

  problem (field: string, message: string, pos?: { line: number, column: number }): void {
    this.problems.push(pos === undefined ? { field, message } : { field, message, line: pos.line, column: pos.column })
  }

  warn (field: string, message: string): void {
    this.warnings.push({ field, message })
  }

  compile (field: string, source: string): CompiledTemplate | undefined {
    try {
      return compileTemplate(source, this.kind)
    } catch (err) {
      if (err instanceof TemplateCompileError) {
        for (const p of err.problems) this.problem(field, p.message, p)
        return undefined
      }
      throw err
    }
  }

  /** A template field of `config`. Required fields must be non-empty strings. */
  template (key: string, required: boolean): CompiledTemplate | undefined {
    const field = `config.${key}`
    const raw = this.config[key]
    if (raw === undefined || raw === null || raw === '') {
      if (required) this.problem(field, `${key} is required for this authentication type`)
      return undefined
    }
    if (typeof raw !== 'string') {
      this.problem(field, `${key} must be a string template, not ${describe(raw)}`)
      return undefined
    }
    return this.compile(field, raw)
  }

  /** A credential must come from the secret store: a literal would sit in the registry in clear. */
  credential (key: string): CompiledTemplate | undefined {
    const t = this.template(key, true)
    if (t !== undefined && t.secretNames.length === 0) {
      this.problem(`config.${key}`, `${key} must be a get_secret() reference, not a literal value ` +
        `(e.g. "{{ get_secret('my_${key}') }}"): credentials belong in the secret store`)
    }
    return t
  }

  /**
   * The token endpoint: the destination policy's rules, as for connector URLs, and no secret. Its
   * fields are placeholders when token_url is missing (a problem is then recorded).
   */
  tokenEndpoint (): TokenEndpoint {
    const t = this.template('token_url', true)
    if (t === undefined) return { token_url: undefined as unknown as CompiledTemplate, tokenUrlVariableOrigin: false }
    const field = 'config.token_url'
    // Token endpoint hosts appear in error details, so they must never carry a secret.
    if (t.secretNames.length > 0) {
      this.problem(field, 'get_secret() is not allowed in token_url: the token endpoint address appears in error details')
    }
    const shape = checkUrlTemplate(t.source, this.ctx.policy ?? new DestinationPolicy(this.ctx), TOKEN_URL)
    for (const p of shape.problems) this.problem(field, p.message)
    return { token_url: t, tokenUrlVariableOrigin: shape.hostKind === 'origin' }
  }

  algorithm (): string {
    const raw = this.config.algorithm
    if (raw === undefined || raw === null || raw === '') return DEFAULT_JWT_ALGORITHM
    if (typeof raw !== 'string') {
      this.problem('config.algorithm', `algorithm must be a string, not ${describe(raw)}`)
      return DEFAULT_JWT_ALGORITHM
    }
    const alg = canonicalAlgorithm(raw)
    if (alg === undefined) {
      this.problem('config.algorithm', `algorithm '${raw}' is not supported; use one of ${JWT_ALGORITHMS.join(', ')}`)
      return DEFAULT_JWT_ALGORITHM
    }
    return alg
  }

  /** An object whose values are templates (numbers allowed for exp/iat/nbf claims). */
  templateObject (key: string, required: boolean, numericClaims: boolean): Record<string, CompiledTemplate> | undefined {
    const field = `config.${key}`
    const raw = this.config[key]
    if (raw === undefined || raw === null) {
      if (required) this.problem(field, `${key} is required for this authentication type (an object of claim templates)`)
      return undefined
    }
    if (!isPlainObject(raw)) {
      this.problem(field, `${key} must be an object whose values are string templates, not ${describe(raw)}`)
      return undefined
    }
    const out: Record<string, CompiledTemplate> = {}
    for (const [name, value] of Object.entries(raw)) {
      const sub = `${field}.${name}`
      let source: string
      if (typeof value === 'string') {
        source = value
      } else if (numericClaims && NUMERIC_CLAIMS.has(name) && typeof value === 'number' && Number.isInteger(value)) {
        source = String(value)
      } else {
        this.problem(sub, `${key}.${name} must be a string template, not ${describe(value)}`)
        continue
      }
      const t = this.compile(sub, source)
      if (t !== undefined) out[name] = t
    }
    return out
  }

  jwtHeaders (): Record<string, CompiledTemplate> | undefined {
    const headers = this.templateObject('jwt_headers', false, false)
    if (headers !== undefined && 'alg' in headers) {
      delete headers.alg
      this.warn('config.jwt_headers.alg', 'jwt_headers.alg is ignored: the header alg is always the configured algorithm')
    }
    for (const name of ['crit', 'b64']) {
      if (headers !== undefined && name in headers) {
        this.problem(`config.jwt_headers.${name}`, `jwt_headers.${name} is not supported: Conduit signs plain JWS compact JWTs`)
      }
    }
    return headers
  }

  unknownKeys (type: string, known: readonly string[]): void {
    for (const key of Object.keys(this.config)) {
      if (!known.includes(key)) {
        this.warn(`config.${key}`, `unknown ${type} setting '${key}' is ignored (known: ${known.join(', ')})`)
      }
    }
  }
}
