// Caller identity of SPEC §2.1: an `Authorization: Bearer <JWT>` signed by the host application,
// verified with a shared HMAC secret, a PEM public key or a JWKS URL, issuer and audience checked.
// Claims become `user.*` and `tenant_id`. Identity never comes from query, headers or payload.
import { createPublicKey, createSecretKey } from 'node:crypto'
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose'
import type { JWTPayload, JWTVerifyGetKey } from 'jose'
import { ConduitError } from '../errors.js'
import type { Settings } from '../settings/types.js'
import type { UserContext } from '../template/types.js'

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

export interface CallerIdentity {
  user: UserContext
  tenantId: string | null
}

export interface CallerVerifier {
  /** The identity of a request from its Authorization header. Throws INVALID_CALLER_TOKEN. */
  identify: (authorization: string | undefined) => Promise<CallerIdentity>
  /**
   * Synchronous fast path: the identity when it needs no verification now (no header, or a token
   * verified recently and not expired); undefined when identify() has to run.
   */
  identifyCached?: (authorization: string | undefined) => CallerIdentity | undefined
  /** Whether caller tokens can be verified at all (callers.jwt is configured). */
  readonly configured: boolean
}

export const ANONYMOUS_USER: UserContext = Object.freeze({
  id: null, email: null, first_name: null, last_name: null, username: null, profile_fields: null
}) as UserContext

const HMAC_ALGS = ['HS256', 'HS384', 'HS512']
const ASYM_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

function str (v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return null
}

export function userFromClaims (claims: JWTPayload): UserContext {
  const pf = claims.profile_fields
  return {
    id: str(claims.sub),
    email: str(claims.email),
    first_name: str(claims.given_name),
    last_name: str(claims.family_name),
    username: str(claims.preferred_username),
    profile_fields: typeof pf === 'object' && pf !== null && !Array.isArray(pf) ? pf as Record<string, unknown> : null
  }
}

export interface CallerVerifierOptions {
  callers: Settings['callers']
  /** For the JWKS URL; global fetch by default. */
  fetch?: FetchLike
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds?: number
  /** Verified tokens kept (LRU); 0 turns the cache off. */
  cacheMaxEntries?: number
  /** Longest a verified token is trusted without verifying it again, in seconds. */
  cacheMaxAgeSeconds?: number
  /** Milliseconds since the epoch, for the cache's expiry only (jose reads its own clock). */
  now?: () => number
}

interface VerifiedToken {
  identity: CallerIdentity
  /** Milliseconds: the earlier of the token's exp and the cache bound. */
  until: number
}

const BEARER = /^Bearer +([^\s]+)\s*$/i

/**
 * Verified tokens by their exact text. A verification costs an HMAC or a signature check through
 * WebCrypto (asynchronous, on the thread pool); the same token usually comes back many times within
 * its lifetime. Only successful verifications are stored, and never past the token's exp.
 */
class VerifiedTokenCache {
  readonly #entries = new Map<string, VerifiedToken>()
  readonly #max: number
  readonly #maxAgeMs: number
  readonly #now: () => number

  constructor (max: number, maxAgeMs: number, now: () => number) {
    this.#max = max
    this.#maxAgeMs = maxAgeMs
    this.#now = now
  }

  get (token: string): CallerIdentity | undefined {
    const hit = this.#entries.get(token)
    if (hit === undefined) return undefined
    if (this.#now() >= hit.until) {
      this.#entries.delete(token)
      return undefined
    }
    // Re-inserting keeps Map order = recency, so the first key is the least recently used.
    this.#entries.delete(token)
    this.#entries.set(token, hit)
    return hit.identity
  }

  set (token: string, identity: CallerIdentity, exp: unknown): void {
    if (this.#max <= 0) return
    let until = this.#now() + this.#maxAgeMs
    if (typeof exp === 'number' && Number.isFinite(exp)) until = Math.min(until, exp * 1000)
    this.#entries.delete(token)
    this.#entries.set(token, { identity, until })
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
  }
}

/** Built once per app: keys are imported and the JWKS set created up front. */
export function createCallerVerifier (options: CallerVerifierOptions): CallerVerifier {
  const { callers } = options
  const defaultTenant = callers.tenantId ?? null
  const anonymous: CallerIdentity = { user: ANONYMOUS_USER, tenantId: defaultTenant }
  const jwt = callers.jwt
  let key: Parameters<typeof jwtVerify>[1] | JWTVerifyGetKey | undefined
  let algorithms: string[] = ASYM_ALGS
  if (jwt?.secret !== undefined && jwt.secret !== '') {
    key = createSecretKey(Buffer.from(jwt.secret, 'utf8'))
    algorithms = HMAC_ALGS
  } else if (jwt?.publicKey !== undefined && jwt.publicKey !== '') {
    key = createPublicKey(jwt.publicKey)
  } else if (jwt?.jwksUrl !== undefined && jwt.jwksUrl !== '') {
    const fetchImpl = options.fetch
    key = createRemoteJWKSet(new URL(jwt.jwksUrl), fetchImpl === undefined ? {} : { [customFetch]: fetchImpl })
  }
  const verifyOptions = {
    algorithms,
    issuer: jwt?.issuer,
    audience: jwt?.audience,
    clockTolerance: options.clockToleranceSeconds ?? 30,
    // A token without exp would be valid forever once leaked (SPEC §19).
    requiredClaims: jwt?.requireExp === false ? [] : ['exp']
  }
  const verifyKey = key
  const cache = new VerifiedTokenCache(options.cacheMaxEntries ?? 10_000, (options.cacheMaxAgeSeconds ?? 60) * 1000, options.now ?? Date.now)

  const identifyCached = (authorization: string | undefined): CallerIdentity | undefined => {
    if (authorization === undefined || authorization === '' || verifyKey === undefined) return anonymous
    const m = BEARER.exec(authorization)
    return m === null ? undefined : cache.get(m[1])
  }

  return {
    configured: verifyKey !== undefined,
    identifyCached,
    async identify (authorization) {
      if (authorization === undefined || authorization === '') return anonymous
      // Without verification configured a token cannot be trusted: the caller stays anonymous.
      if (verifyKey === undefined) return anonymous
      const m = BEARER.exec(authorization)
      if (m === null) throw new ConduitError('INVALID_CALLER_TOKEN', "The Authorization header must be 'Bearer <JWT>'")
      const token = m[1]
      const cached = cache.get(token)
      if (cached !== undefined) return cached
      let payload: JWTPayload
      try {
        const result = typeof verifyKey === 'function'
          ? await jwtVerify(token, verifyKey as JWTVerifyGetKey, verifyOptions)
          : await jwtVerify(token, verifyKey, verifyOptions)
        payload = result.payload
      } catch (err) {
        throw new ConduitError('INVALID_CALLER_TOKEN', `The caller token is not valid: ${reason(err)}`)
      }
      const tenant = str(payload.tenant_id)
      // Shared by every request that presents this token: frozen so none can change it for the others.
      const identity: CallerIdentity = Object.freeze({ user: Object.freeze(userFromClaims(payload)), tenantId: tenant ?? defaultTenant })
      cache.set(token, identity, payload.exp)
      return identity
    }
  }
}

// jose's codes say what failed without quoting the token.
function reason (err: unknown): string {
  const code = (err as { code?: unknown }).code
  switch (code) {
    case 'ERR_JWT_EXPIRED': return 'it has expired'
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = err as { claim?: unknown, reason?: unknown }
      if (claim === 'exp' && reason === 'missing') return "it carries no 'exp' claim (callers.jwt.requireExp is on)"
      return `claim '${String(claim)}' check failed`
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return 'the signature does not verify'
    case 'ERR_JOSE_ALG_NOT_ALLOWED': return 'its algorithm is not allowed'
    case 'ERR_JWKS_NO_MATCHING_KEY': return 'no key of the JWKS matches it'
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return 'the JWKS could not be fetched'
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return 'it is not a well-formed JWT'
    default: return 'verification failed'
  }
}
