// oauth_jwt_bearer (SPEC §6): a signed assertion (iss=client_id, sub, aud, iat, exp=now+180, plus
// additional claims) exchanged at the token endpoint; the token is cached token_ttl − 60 s.
import { randomUUID } from 'node:crypto'
import type { CompiledTemplate } from '../../template/types.js'
import { signJwt, toClaims } from '../jwt.js'
import { DEBUG_MASK, obj, str, type AuthStrategy } from '../strategy.js'
import { grantedToken, TOKEN_EXPIRY_MARGIN_SECONDS } from '../token-request.js'
import { digest, tokenCacheKey } from '../token-cache.js'
import type { ConfigReader } from '../config-reader.js'
import type { DefinitionOf } from '../types.js'
import { showAll } from './jwt.js'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** Lifetime of an oauth_jwt_bearer assertion (SPEC §6: exp = now + 180). */
export const ASSERTION_LIFETIME_SECONDS = 180
export const DEFAULT_TOKEN_TTL_SECONDS = 3600
/** Claims Conduit sets itself on the assertion. */
const ASSERTION_CLAIMS = new Set(['iss', 'sub', 'aud', 'iat', 'exp'])

function tokenTtl (c: ConfigReader): number {
  const raw = c.config.token_ttl
  if (raw === undefined || raw === null || raw === '') return DEFAULT_TOKEN_TTL_SECONDS
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    c.problem('config.token_ttl', `token_ttl must be a positive whole number of seconds, not ${JSON.stringify(raw)}`)
    return DEFAULT_TOKEN_TTL_SECONDS
  }
  return n
}

function additionalClaims (c: ConfigReader): Record<string, CompiledTemplate> | undefined {
  const extra = c.templateObject('additional_claims', false, true)
  if (extra === undefined) return undefined
  for (const name of Object.keys(extra)) {
    if (ASSERTION_CLAIMS.has(name)) {
      delete extra[name]
      c.warn(`config.additional_claims.${name}`, `additional_claims.${name} is ignored: Conduit sets iss, sub, aud, iat and exp of the assertion`)
    }
  }
  return extra
}

export const jwtBearer: AuthStrategy<DefinitionOf<'oauth_jwt_bearer'>> = {
  configKeys: ['client_id', 'private_key', 'token_url', 'subject', 'audience', 'token_ttl', 'algorithm', 'additional_claims', 'jwt_headers'],

  compile (c) {
    const clientId = c.template('client_id', true)
    const privateKey = c.credential('private_key')
    const endpoint = c.tokenEndpoint()
    const subject = c.template('subject', true)
    const audience = c.template('audience', true)
    const ttl = tokenTtl(c)
    const algorithm = c.algorithm()
    const extra = additionalClaims(c)
    const headers = c.jwtHeaders()
    return {
      type: 'oauth_jwt_bearer',
      client_id: clientId as CompiledTemplate,
      private_key: privateKey as CompiledTemplate,
      ...endpoint,
      subject: subject as CompiledTemplate,
      audience: audience as CompiledTemplate,
      token_ttl: ttl,
      algorithm,
      ...(extra === undefined ? {} : { additional_claims: extra }),
      ...(headers === undefined ? {} : { jwt_headers: headers })
    }
  },

  async apply (def, rendered, deps) {
    const tokenUrl = str(rendered, 'token_url')
    const clientId = str(rendered, 'client_id')
    const privateKey = str(rendered, 'private_key')
    const subject = str(rendered, 'subject')
    const audience = str(rendered, 'audience')
    const extra = obj(rendered, 'additional_claims') ?? {}
    const headers = obj(rendered, 'jwt_headers')
    const key = tokenCacheKey(['jwt_bearer', tokenUrl, clientId, digest(privateKey), def.algorithm, subject, audience, JSON.stringify(extra)])
    return await grantedToken(deps, key, tokenUrl, def.tokenUrlVariableOrigin, async () => {
      const now = Math.floor(deps.clock() / 1000)
      const claims: Record<string, unknown> = { jti: randomUUID(), ...toClaims(extra) }
      Object.assign(claims, { iss: clientId, sub: subject, aud: audience, iat: now, exp: now + ASSERTION_LIFETIME_SECONDS })
      const assertion = await signJwt({ algorithm: def.algorithm, key: privateKey, claims, headers }, deps.signingKeys)
      return { grant_type: JWT_BEARER_GRANT, assertion }
    // token_ttl is what the operator promised; a shorter expires_in from the server still wins.
    }, expiresIn => Math.min(def.token_ttl, expiresIn ?? Infinity) - TOKEN_EXPIRY_MARGIN_SECONDS)
  },

  debug (def, show) {
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
    if (def.jwt_headers !== undefined) config.jwt_headers = showAll(def.jwt_headers, show)
    return config
  }
}
