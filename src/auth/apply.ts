// Applying a connector's authentication to one outgoing request (SPEC §6), plus what the pipeline
// needs around it: rendering every auth template, the secret/variable names to resolve, and the
// X-Debug-Request view (SPEC §9).
import { createHash, randomUUID } from 'node:crypto'
import { ConduitError } from '../errors.js'
import { TemplateRenderError } from '../template/types.js'
import type { CompiledTemplate, RenderContext } from '../template/types.js'
import { hasVariableOrigin } from './compile.js'
import { signJwt, toClaims } from './jwt.js'
import { tokenCacheKey } from './token-cache.js'
import type { TokenCache } from './token-cache.js'
import { requestToken } from './token-request.js'
import type { AuthDeps, AuthDefinition, AuthOutcome, RenderedAuth } from './types.js'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** Lifetime of an oauth_jwt_bearer assertion (SPEC §6: exp = now + 180). */
export const ASSERTION_LIFETIME_SECONDS = 180
/** Tokens are dropped this long before they expire. */
export const TOKEN_EXPIRY_MARGIN_SECONDS = 60
/** Reuse period of a token whose response had no expires_in. */
export const DEFAULT_TOKEN_REUSE_SECONDS = 300
export const DEBUG_MASK = '**********'

export interface ApplyDeps extends AuthDeps {
  tokenCache: TokenCache
}

type TemplateFields = Array<[string, CompiledTemplate]>

/** Every template of a definition with its field path relative to `authentication`. */
function templates (def: AuthDefinition): TemplateFields {
  const out: TemplateFields = []
  const add = (name: string, t: CompiledTemplate | undefined): void => { if (t !== undefined) out.push([`config.${name}`, t]) }
  const addAll = (name: string, obj: Record<string, CompiledTemplate> | undefined): void => {
    if (obj !== undefined) for (const [k, t] of Object.entries(obj)) out.push([`config.${name}.${k}`, t])
  }
  switch (def.type) {
    case 'none':
      break
    case 'api_key':
      add('key', def.key); add('value', def.value)
      break
    case 'oauth_client_credentials':
      add('client_id', def.client_id); add('client_secret', def.client_secret); add('token_url', def.token_url); add('scope', def.scope)
      break
    case 'jwt':
      add('private_key', def.private_key); addAll('claims', def.claims); addAll('jwt_headers', def.jwt_headers)
      break
    case 'oauth_jwt_bearer':
      add('client_id', def.client_id); add('private_key', def.private_key); add('token_url', def.token_url)
      add('subject', def.subject); add('audience', def.audience)
      addAll('additional_claims', def.additional_claims); addAll('jwt_headers', def.jwt_headers)
      break
  }
  return out
}

function uniqueNames (def: AuthDefinition, pick: (t: CompiledTemplate) => readonly string[]): string[] {
  const names = new Set<string>()
  for (const [, t] of templates(def)) for (const n of pick(t)) names.add(n)
  return [...names]
}

/** Secret names the definition's templates read (resolve them before renderAuthentication). */
export function authSecretNames (def: AuthDefinition): string[] {
  return uniqueNames(def, t => t.secretNames)
}

export function authVariableNames (def: AuthDefinition): string[] {
  return uniqueNames(def, t => t.variableNames)
}

/** Render messages do not quote values, but a secret must not leave even if one did. */
function scrub (message: string, context: RenderContext): string {
  let out = message
  for (const value of Object.values(context.secrets ?? {})) {
    if (value.length > 0) out = out.split(value).join('[REDACTED]')
  }
  return out
}

function renderField (field: string, t: CompiledTemplate, context: RenderContext): string {
  try {
    return t.render(context)
  } catch (err) {
    if (err instanceof TemplateRenderError) {
      throw new ConduitError('TEMPLATE_RENDER_ERROR', `Error rendering authentication.${field}: ${scrub(err.message, context)}`)
    }
    throw err
  }
}

function renderObject (field: string, obj: Record<string, CompiledTemplate>, context: RenderContext): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, t] of Object.entries(obj)) out[k] = renderField(`config.${field}.${k}`, t, context)
  return out
}

/** Renders every template of the definition with the request context (secrets included). */
export function renderAuthentication (def: AuthDefinition, context: RenderContext): RenderedAuth {
  const r = (name: string, t: CompiledTemplate): string => renderField(`config.${name}`, t, context)
  switch (def.type) {
    case 'none':
      return { type: 'none' }
    case 'api_key':
      return { type: def.type, key: r('key', def.key), value: r('value', def.value), in: def.in }
    case 'oauth_client_credentials': {
      const out: RenderedAuth = {
        type: def.type,
        client_id: r('client_id', def.client_id),
        client_secret: r('client_secret', def.client_secret),
        token_url: r('token_url', def.token_url)
      }
      if (def.scope !== undefined) out.scope = r('scope', def.scope)
      return out
    }
    case 'jwt': {
      const out: RenderedAuth = {
        type: def.type,
        private_key: r('private_key', def.private_key),
        algorithm: def.algorithm,
        claims: renderObject('claims', def.claims, context)
      }
      if (def.jwt_headers !== undefined) out.jwt_headers = renderObject('jwt_headers', def.jwt_headers, context)
      return out
    }
    case 'oauth_jwt_bearer': {
      const out: RenderedAuth = {
        type: def.type,
        client_id: r('client_id', def.client_id),
        private_key: r('private_key', def.private_key),
        token_url: r('token_url', def.token_url),
        subject: r('subject', def.subject),
        audience: r('audience', def.audience),
        token_ttl: def.token_ttl,
        algorithm: def.algorithm
      }
      if (def.additional_claims !== undefined) out.additional_claims = renderObject('additional_claims', def.additional_claims, context)
      if (def.jwt_headers !== undefined) out.jwt_headers = renderObject('jwt_headers', def.jwt_headers, context)
      return out
    }
  }
}

function str (rendered: RenderedAuth, name: string): string {
  const v = rendered[name]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
}

function obj (rendered: RenderedAuth, name: string): Record<string, string> | undefined {
  const v = rendered[name]
  return typeof v === 'object' && v !== null ? v : undefined
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const BAD_HEADER_VALUE = /[\r\n\0]/

function digest (value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

const variableOrigin = new WeakMap<CompiledTemplate, boolean>()

/** Plain http is refused unless the scheme was checked at load or allowInsecure is on. */
function allowHttp (tokenUrl: CompiledTemplate, deps: ApplyDeps): boolean {
  let templated = variableOrigin.get(tokenUrl)
  if (templated === undefined) {
    templated = hasVariableOrigin(tokenUrl.source)
    variableOrigin.set(tokenUrl, templated)
  }
  return !templated || deps.allowInsecure === true
}

function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** What authentication adds to the request. Token requests and JWT signing happen here. */
export async function applyAuthentication (def: AuthDefinition, rendered: RenderedAuth, deps: ApplyDeps): Promise<AuthOutcome> {
  switch (def.type) {
    case 'none':
      return { headers: {}, query: [] }
    case 'api_key': {
      const key = str(rendered, 'key')
      const value = str(rendered, 'value')
      if (def.in === 'query') {
        if (key === '') throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.key rendered an empty query parameter name')
        return { headers: {}, query: [[key, value]] }
      }
      if (!HEADER_NAME.test(key)) throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.key did not render a valid HTTP header name')
      if (BAD_HEADER_VALUE.test(value)) throw new ConduitError('TEMPLATE_RENDER_ERROR', 'authentication.config.value rendered a header value containing a line break or NUL')
      return { headers: { [key]: value }, query: [] }
    }
    case 'oauth_client_credentials':
      return await clientCredentials(def, rendered, deps)
    case 'jwt': {
      const token = await signJwt({
        algorithm: def.algorithm,
        key: str(rendered, 'private_key'),
        claims: toClaims(obj(rendered, 'claims') ?? {}),
        headers: obj(rendered, 'jwt_headers')
      })
      return { headers: bearer(token), query: [] }
    }
    case 'oauth_jwt_bearer':
      return await jwtBearer(def, rendered, deps)
  }
}

async function clientCredentials (def: Extract<AuthDefinition, { type: 'oauth_client_credentials' }>, rendered: RenderedAuth, deps: ApplyDeps): Promise<AuthOutcome> {
  const tokenUrl = str(rendered, 'token_url')
  const clientId = str(rendered, 'client_id')
  const clientSecret = str(rendered, 'client_secret')
  const scope = str(rendered, 'scope')
  const key = tokenCacheKey(['client_credentials', tokenUrl, clientId, digest(clientSecret), scope])
  const token = await deps.tokenCache.get(key, async () => {
    const form: Record<string, string> = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }
    if (scope !== '') form.scope = scope
    const res = await requestToken(deps, tokenUrl, form, { allowHttp: allowHttp(def.token_url, deps) })
    const ttlSeconds = res.expiresIn === undefined ? DEFAULT_TOKEN_REUSE_SECONDS : res.expiresIn - TOKEN_EXPIRY_MARGIN_SECONDS
    return { accessToken: res.accessToken, ttlSeconds }
  })
  return { headers: bearer(token), query: [], tokenCacheKey: key }
}

async function jwtBearer (def: Extract<AuthDefinition, { type: 'oauth_jwt_bearer' }>, rendered: RenderedAuth, deps: ApplyDeps): Promise<AuthOutcome> {
  const tokenUrl = str(rendered, 'token_url')
  const clientId = str(rendered, 'client_id')
  const privateKey = str(rendered, 'private_key')
  const subject = str(rendered, 'subject')
  const audience = str(rendered, 'audience')
  const extra = obj(rendered, 'additional_claims') ?? {}
  const headers = obj(rendered, 'jwt_headers')
  const key = tokenCacheKey(['jwt_bearer', tokenUrl, clientId, digest(privateKey), def.algorithm, subject, audience, JSON.stringify(extra)])
  const token = await deps.tokenCache.get(key, async () => {
    const now = Math.floor(deps.clock() / 1000)
    const claims: Record<string, unknown> = { jti: randomUUID(), ...toClaims(extra) }
    Object.assign(claims, { iss: clientId, sub: subject, aud: audience, iat: now, exp: now + ASSERTION_LIFETIME_SECONDS })
    const assertion = await signJwt({ algorithm: def.algorithm, key: privateKey, claims, headers })
    const res = await requestToken(deps, tokenUrl, { grant_type: JWT_BEARER_GRANT, assertion }, { allowHttp: allowHttp(def.token_url, deps) })
    // token_ttl is what the operator promised; a shorter expires_in from the server still wins.
    const lifetime = Math.min(def.token_ttl, res.expiresIn ?? Infinity)
    return { accessToken: res.accessToken, ttlSeconds: lifetime - TOKEN_EXPIRY_MARGIN_SECONDS }
  })
  return { headers: bearer(token), query: [], tokenCacheKey: key }
}

/** Renders a template for X-Debug-Request without secret access. */
export type DebugRenderer = (template: CompiledTemplate) => string

function debugRenderer (render: RenderContext | DebugRenderer): DebugRenderer {
  if (typeof render === 'function') return render
  const context: RenderContext = { ...render, secrets: {} }
  return (t) => {
    try {
      return t.render(context)
    } catch {
      return t.source
    }
  }
}

/**
 * The `authentication` member of X-Debug-Request (SPEC §9): credential fields and JWT claims are
 * always masked; a field that uses get_secret shows its template text; the rest are rendered.
 */
export function debugAuthentication (def: AuthDefinition, render: RenderContext | DebugRenderer): Record<string, unknown> {
  const renderer = debugRenderer(render)
  const show = (t: CompiledTemplate): string => t.secretNames.length > 0 ? t.source : renderer(t)
  const showAll = (o: Record<string, CompiledTemplate>): Record<string, string> =>
    Object.fromEntries(Object.entries(o).map(([k, t]) => [k, show(t)]))
  switch (def.type) {
    case 'none':
      return { type: 'none' }
    case 'api_key':
      return { type: def.type, config: { key: show(def.key), value: DEBUG_MASK, in: def.in } }
    case 'oauth_client_credentials': {
      const config: Record<string, unknown> = {
        client_id: show(def.client_id), client_secret: DEBUG_MASK, token_url: show(def.token_url)
      }
      if (def.scope !== undefined) config.scope = show(def.scope)
      return { type: def.type, config }
    }
    case 'jwt': {
      const config: Record<string, unknown> = { private_key: DEBUG_MASK, algorithm: def.algorithm, claims: DEBUG_MASK }
      if (def.jwt_headers !== undefined) config.jwt_headers = showAll(def.jwt_headers)
      return { type: def.type, config }
    }
    case 'oauth_jwt_bearer': {
      const config: Record<string, unknown> = {
        client_id: show(def.client_id),
        private_key: DEBUG_MASK,
        token_url: show(def.token_url),
        subject: show(def.subject),
        audience: show(def.audience),
        token_ttl: def.token_ttl,
        algorithm: def.algorithm
      }
      if (def.additional_claims !== undefined) config.additional_claims = DEBUG_MASK
      if (def.jwt_headers !== undefined) config.jwt_headers = showAll(def.jwt_headers)
      return { type: def.type, config }
    }
  }
}
