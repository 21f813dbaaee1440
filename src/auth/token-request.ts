// The token-endpoint POST of oauth_client_credentials and oauth_jwt_bearer (SPEC §6). It goes
// through sendUpstream with the upstream dispatcher, so it has the same timeout and SSRF guard.
// Error details name the endpoint host and status only: the request carries credentials and a
// response body could echo them, so neither is ever quoted.
import { ConduitError, isConduitError } from '../errors.js'
import { sendUpstream } from '../upstream/send.js'
import type { ApplyDeps } from './strategy.js'
import type { AuthDeps, AuthOutcome } from './types.js'

/** Tokens are dropped this long before they expire. */
export const TOKEN_EXPIRY_MARGIN_SECONDS = 60
/** Reuse period of a token whose response had no expires_in. */
export const DEFAULT_TOKEN_REUSE_SECONDS = 300

/** Token responses are small; anything bigger is not one. */
export const MAX_TOKEN_RESPONSE_BYTES = 256 * 1024

/** RFC 6749 §5.2 error codes (plus RFC 8707's invalid_target): safe to name because they are a fixed list. */
const OAUTH_ERROR_CODES = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client',
  'unsupported_grant_type', 'invalid_scope', 'invalid_target'
])

export interface TokenResponse {
  accessToken: string
  /** Seconds, when the endpoint said. */
  expiresIn?: number
}

function fail (detail: string): ConduitError {
  return new ConduitError('TOKEN_REQUEST_FAILED', detail)
}

function parseExpiresIn (v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined
}

export interface TokenRequestOptions {
  /** Whether plain http is acceptable (a literal http token_url was already allowed at load). */
  allowHttp?: boolean
}

export async function requestToken (deps: AuthDeps, tokenUrl: string, form: Record<string, string>, options: TokenRequestOptions = {}): Promise<TokenResponse> {
  let url: URL
  try {
    url = new URL(tokenUrl)
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme')
  } catch {
    throw fail('Token request failed: the rendered token_url is not a valid http(s) URL')
  }
  const host = url.host
  if (url.protocol === 'http:' && options.allowHttp === false) {
    throw fail(`Token request to ${host} refused: the token_url renders to plain http, which is allowed only when the upstream.allowInsecure setting is on`)
  }

  const body = new URLSearchParams(form).toString()
  let res
  try {
    res = await sendUpstream(deps.dispatcher, {
      url: tokenUrl,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json'
      },
      body
    }, { timeoutMs: deps.timeoutMs, maxResponseBytes: MAX_TOKEN_RESPONSE_BYTES })
  } catch (err) {
    throw fail(transportDetail(host, err, deps.timeoutMs))
  }

  if (res.status < 200 || res.status > 299) {
    const code = oauthErrorCode(res.body)
    throw fail(`Token request to ${host} failed with status ${res.status}${code === undefined ? '' : ` (${code})`}`)
  }
  let json: unknown
  try {
    json = JSON.parse(res.body.toString('utf8'))
  } catch {
    throw fail(`Token request to ${host} returned a response that is not JSON (status ${res.status})`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw fail(`Token request to ${host} returned JSON that is not an object (status ${res.status})`)
  }
  const record = json as Record<string, unknown>
  const accessToken = record.access_token
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw fail(`Token request to ${host} returned no access_token (status ${res.status})`)
  }
  const expiresIn = parseExpiresIn(record.expires_in)
  return expiresIn === undefined ? { accessToken } : { accessToken, expiresIn }
}

function transportDetail (host: string, err: unknown, timeoutMs: number): string {
  if (isConduitError(err)) {
    switch (err.code) {
      case 'UPSTREAM_TIMEOUT':
        return `Token request to ${host} timed out after ${timeoutMs} ms`
      case 'UPSTREAM_UNREACHABLE':
        return `Token request to ${host} failed: the token endpoint is unreachable`
      case 'UPSTREAM_RESPONSE_TOO_LARGE':
        return `Token request to ${host} failed: the response exceeds ${MAX_TOKEN_RESPONSE_BYTES} bytes`
      case 'DESTINATION_NOT_ALLOWED':
        return `Token request to ${host} failed: the destination is not allowed (private or reserved network address)`
    }
  }
  return `Token request to ${host} failed`
}

function oauthErrorCode (body: Buffer): string | undefined {
  try {
    const json = JSON.parse(body.toString('utf8')) as unknown
    if (typeof json === 'object' && json !== null) {
      const code = (json as Record<string, unknown>).error
      if (typeof code === 'string' && OAUTH_ERROR_CODES.has(code)) return code
    }
  } catch {}
  return undefined
}

/**
 * The Bearer header of a cached token, or of one token request (shared by concurrent misses) with
 * the form `form()` builds. `variableOrigin`: the token_url's scheme was not checked at load, so
 * plain http is refused here unless upstream.allowInsecure is on. `reuseSeconds` turns the
 * endpoint's expires_in into how long the token may be reused.
 */
export async function grantedToken (
  deps: ApplyDeps, key: string, tokenUrl: string, variableOrigin: boolean,
  form: () => Promise<Record<string, string>>,
  reuseSeconds: (expiresIn: number | undefined) => number = expiresIn =>
    expiresIn === undefined ? DEFAULT_TOKEN_REUSE_SECONDS : expiresIn - TOKEN_EXPIRY_MARGIN_SECONDS
): Promise<AuthOutcome> {
  const token = await deps.tokenCache.get(key, async () => {
    const res = await requestToken(deps, tokenUrl, await form(), { allowHttp: !variableOrigin || deps.allowInsecure === true })
    return { accessToken: res.accessToken, ttlSeconds: reuseSeconds(res.expiresIn) }
  })
  return { headers: { authorization: `Bearer ${token}` }, query: [], tokenCacheKey: key }
}
