// Turns a connector's raw `authentication` object into an AuthDefinition (SPEC §1, §6), reporting
// every problem with a field path relative to the authentication object (`type`,
// `config.client_secret`, `config.claims.sub`). All templates compile here, once, at load.
import { compileTemplate } from '../template/index.js'
import { TemplateCompileError } from '../template/types.js'
import type { CompiledTemplate, FieldKind } from '../template/types.js'
import { DestinationPolicy } from '../upstream/destination-policy.js'
import { checkUrlTemplate, TOKEN_URL } from '../upstream/url-template.js'
import type { AuthDefinition, AuthType } from './types.js'
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

export interface AuthCompileResult {
  definition?: AuthDefinition
  problems: AuthProblem[]
  /** Ignored input worth telling the operator about (unknown config keys, overridden claims). */
  warnings: AuthProblem[]
}

export const AUTH_TYPES: readonly AuthType[] = ['none', 'api_key', 'oauth_client_credentials', 'jwt', 'oauth_jwt_bearer']

export const DEFAULT_TOKEN_TTL_SECONDS = 3600

const CONFIG_KEYS: Record<Exclude<AuthType, 'none'>, readonly string[]> = {
  api_key: ['key', 'value', 'in'],
  oauth_client_credentials: ['client_id', 'client_secret', 'token_url', 'scope'],
  jwt: ['private_key', 'algorithm', 'claims', 'jwt_headers'],
  oauth_jwt_bearer: ['client_id', 'private_key', 'token_url', 'subject', 'audience', 'token_ttl', 'algorithm', 'additional_claims', 'jwt_headers']
}

/** Claims Conduit sets itself on an oauth_jwt_bearer assertion. */
const ASSERTION_CLAIMS = new Set(['iss', 'sub', 'aud', 'iat', 'exp'])
const NUMERIC_CLAIMS = new Set(['exp', 'iat', 'nbf'])

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function describe (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}

class Compiler {
  readonly problems: AuthProblem[] = []
  readonly warnings: AuthProblem[] = []
  constructor (readonly ctx: AuthCompileContext, readonly config: Record<string, unknown>) {}

  get kind (): FieldKind {
    return this.ctx.fieldKind ?? 'auth'
  }

  problem (field: string, message: string, pos?: { line: number, column: number }): void {
    this.problems.push(pos === undefined ? { field, message } : { field, message, line: pos.line, column: pos.column })
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

  tokenUrl (): CompiledTemplate | undefined {
    const t = this.template('token_url', true)
    if (t === undefined) return undefined
    const field = 'config.token_url'
    // Token endpoint hosts appear in error details, so they must never carry a secret.
    if (t.secretNames.length > 0) {
      this.problem(field, 'get_secret() is not allowed in token_url: the token endpoint address appears in error details')
    }
    const policy = this.ctx.policy ?? new DestinationPolicy(this.ctx)
    for (const p of checkUrlTemplate(t.source, policy, TOKEN_URL).problems) this.problem(field, p.message)
    return t
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
      this.warnings.push({ field: 'config.jwt_headers.alg', message: 'jwt_headers.alg is ignored: the header alg is always the configured algorithm' })
    }
    for (const name of ['crit', 'b64']) {
      if (headers !== undefined && name in headers) {
        this.problem(`config.jwt_headers.${name}`, `jwt_headers.${name} is not supported: Conduit signs plain JWS compact JWTs`)
      }
    }
    return headers
  }

  tokenTtl (): number {
    const raw = this.config.token_ttl
    if (raw === undefined || raw === null || raw === '') return DEFAULT_TOKEN_TTL_SECONDS
    const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      this.problem('config.token_ttl', `token_ttl must be a positive whole number of seconds, not ${JSON.stringify(raw)}`)
      return DEFAULT_TOKEN_TTL_SECONDS
    }
    return n
  }

  apiKeyIn (): 'header' | 'query' {
    const raw = this.config.in
    if (raw === undefined || raw === null || raw === '') return 'header'
    if (raw === 'header' || raw === 'query') return raw
    this.problem('config.in', `in must be 'header' or 'query', not ${JSON.stringify(raw)}`)
    return 'header'
  }

  unknownKeys (type: Exclude<AuthType, 'none'>): void {
    const known = CONFIG_KEYS[type]
    for (const key of Object.keys(this.config)) {
      if (!known.includes(key)) {
        this.warnings.push({ field: `config.${key}`, message: `unknown ${type} setting '${key}' is ignored (known: ${known.join(', ')})` })
      }
    }
  }
}

/** True when the token_url's origin is a variable, so its scheme is only known after rendering. */
export function hasVariableOrigin (source: string): boolean {
  return checkUrlTemplate(source, { allowInsecure: true, allowPrivateNetworks: true }, TOKEN_URL).hostKind === 'origin'
}

/**
 * Validates and compiles one `authentication` object. A missing object means `{ type: 'none' }`;
 * the `apikey` alias is accepted. `definition` is set only when there are no problems.
 */
export function compileAuthentication (raw: unknown, ctx: AuthCompileContext): AuthCompileResult {
  if (raw === undefined || raw === null) return { definition: { type: 'none' }, problems: [], warnings: [] }
  if (!isPlainObject(raw)) {
    return { problems: [{ field: '', message: `authentication must be an object { type, config }, not ${describe(raw)}` }], warnings: [] }
  }
  const rawType = raw.type
  if (rawType === undefined || rawType === null || rawType === '') {
    return { problems: [{ field: 'type', message: `type is required; use one of ${AUTH_TYPES.join(', ')}` }], warnings: [] }
  }
  const type = rawType === 'apikey' ? 'api_key' : rawType
  if (typeof type !== 'string' || !(AUTH_TYPES as readonly string[]).includes(type)) {
    return { problems: [{ field: 'type', message: `type ${JSON.stringify(rawType)} is not supported; use one of ${AUTH_TYPES.join(', ')}` }], warnings: [] }
  }
  if (type === 'none') return { definition: { type: 'none' }, problems: [], warnings: [] }

  const rawConfig = raw.config
  if (!isPlainObject(rawConfig)) {
    const message = rawConfig === undefined
      ? `config is required for authentication type ${type}`
      : `config must be an object, not ${describe(rawConfig)}`
    return { problems: [{ field: 'config', message }], warnings: [] }
  }
  const c = new Compiler(ctx, rawConfig)
  const authType = type as Exclude<AuthType, 'none'>
  c.unknownKeys(authType)
  const definition = build(c, authType)
  return c.problems.length === 0 ? { definition, problems: [], warnings: c.warnings } : { problems: c.problems, warnings: c.warnings }
}

function build (c: Compiler, type: Exclude<AuthType, 'none'>): AuthDefinition {
  // Every field is visited even after a problem, so one load reports all of them. The casts are
  // safe: the definition is returned only when no problem was recorded.
  switch (type) {
    case 'api_key': {
      const key = c.template('key', true)
      const value = c.credential('value')
      return { type, key: key as CompiledTemplate, value: value as CompiledTemplate, in: c.apiKeyIn() }
    }
    case 'oauth_client_credentials': {
      const def: AuthDefinition = {
        type,
        client_id: c.template('client_id', true) as CompiledTemplate,
        client_secret: c.credential('client_secret') as CompiledTemplate,
        token_url: c.tokenUrl() as CompiledTemplate
      }
      const scope = c.template('scope', false)
      if (scope !== undefined) def.scope = scope
      return def
    }
    case 'jwt': {
      const def: AuthDefinition = {
        type,
        private_key: c.credential('private_key') as CompiledTemplate,
        algorithm: c.algorithm(),
        claims: c.templateObject('claims', true, true) ?? {}
      }
      const headers = c.jwtHeaders()
      if (headers !== undefined) def.jwt_headers = headers
      return def
    }
    case 'oauth_jwt_bearer': {
      const def: AuthDefinition = {
        type,
        client_id: c.template('client_id', true) as CompiledTemplate,
        private_key: c.credential('private_key') as CompiledTemplate,
        token_url: c.tokenUrl() as CompiledTemplate,
        subject: c.template('subject', true) as CompiledTemplate,
        audience: c.template('audience', true) as CompiledTemplate,
        token_ttl: c.tokenTtl(),
        algorithm: c.algorithm()
      }
      const extra = c.templateObject('additional_claims', false, true)
      if (extra !== undefined) {
        for (const name of Object.keys(extra)) {
          if (ASSERTION_CLAIMS.has(name)) {
            delete extra[name]
            c.warnings.push({ field: `config.additional_claims.${name}`, message: `additional_claims.${name} is ignored: Conduit sets iss, sub, aud, iat and exp of the assertion` })
          }
        }
        def.additional_claims = extra
      }
      const headers = c.jwtHeaders()
      if (headers !== undefined) def.jwt_headers = headers
      return def
    }
  }
}
