// JWT signing for `jwt` and the `oauth_jwt_bearer` assertion (SPEC §6): the keys are read and
// checked here (PEM or JWK, the right kind and size for the algorithm), the signing itself is the
// one synchronous, PyJWT-compatible signer of the template runtime (signCompact). Keys are parsed
// once per (algorithm, key) and kept by digest; error details describe the key's kind, never its text.
import { createHash, createPrivateKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { ConduitError } from '../errors.js'
import { signCompact } from '../template/runtime/jwt-encode.js'
import { PyDict } from '../template/runtime/values.js'
import { canonicalAlgorithm, isHmac, requiredKeyDescription } from './algorithms.js'

export interface SignJwtOptions {
  algorithm: string
  /** PEM (PKCS#8, PKCS#1 RSA, SEC1 EC), a private JWK as JSON, or the HMAC secret for HS*. */
  key: string
  claims: Record<string, unknown>
  /** Extra protected-header parameters; `alg` is always the configured algorithm. */
  headers?: Record<string, string>
}

const MAX_CACHED_KEYS = 256

/**
 * Parsed signing keys by digest of (algorithm, key text), so a key is read and checked once, not
 * per request. One per process (ExecuteDeps.signingKeys); keys come from the secret store at
 * request time, so this cannot be done at load.
 */
export class SigningKeys {
  readonly #keys = new LRUCache<string, KeyObject | Uint8Array>({ max: MAX_CACHED_KEYS })

  get (alg: string, text: string): KeyObject | Uint8Array {
    const id = createHash('sha256').update(alg).update('\0').update(text).digest('hex')
    const cached = this.#keys.get(id)
    if (cached !== undefined) return cached
    const key = isHmac(alg) ? hmacKey(alg, text) : privateKey(alg, text)
    this.#keys.set(id, key)
    return key
  }
}

const NUMERIC_CLAIMS = new Set(['exp', 'iat', 'nbf'])
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/

function signingError (detail: string): ConduitError {
  return new ConduitError('JWT_SIGNING_ERROR', detail)
}

/** Rendered claim values as JWT claims: numeric-string exp/iat/nbf become integers. */
export function toClaims (rendered: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(rendered)) {
    out[name] = NUMERIC_CLAIMS.has(name) && NUMERIC.test(value) ? Math.trunc(Number(value)) : value
  }
  return out
}

/** A JWT header or claims object in the signer's value model (strings and numbers only here). */
function dict (entries: Record<string, unknown>): PyDict {
  const d = new PyDict()
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) d.setStr(k, v)
  return d
}

/** Header parameters that change how a JWS is processed: Conduit signs plain compact JWTs only. */
const UNSUPPORTED_HEADERS = ['crit', 'b64']

/** Signs a JWT; `keys` keeps parsed keys across calls (a fresh one parses every time). */
export async function signJwt (options: SignJwtOptions, keys: SigningKeys = new SigningKeys()): Promise<string> {
  const alg = canonicalAlgorithm(options.algorithm)
  if (alg === undefined) throw signingError(`Unsupported JWT algorithm '${options.algorithm}'`)
  const key = keys.get(alg, options.key)
  const headers = options.headers ?? {}
  try {
    if (UNSUPPORTED_HEADERS.some(name => Object.hasOwn(headers, name))) throw new Error('unsupported header')
    return signCompact(dict({ typ: 'JWT', ...headers, alg }), dict(options.claims), alg, key)
  } catch {
    // A fixed text that names only the algorithm, whatever the signer said.
    throw signingError(`Signing the JWT with ${alg} failed: the key or the JWT headers are not usable for ${alg}`)
  }
}

function hmacKey (alg: string, text: string): Uint8Array {
  if (text === '') throw signingError(`The ${alg} secret is empty`)
  return new TextEncoder().encode(text)
}

function privateKey (alg: string, raw: string): KeyObject {
  let text = raw.trim()
  // Keys pasted from environment files often carry literal "\n" sequences instead of newlines.
  if (!text.includes('\n') && text.includes('\\n')) text = text.replace(/\\n/g, '\n')
  const needs = requiredKeyDescription(alg)
  if (/-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(text) || text.includes('-----BEGIN CERTIFICATE-----')) {
    throw signingError(`The key for ${alg} is a public key or certificate; signing needs ${needs}`)
  }
  let key: KeyObject
  try {
    if (text.startsWith('{')) {
      key = createPrivateKey({ key: JSON.parse(text), format: 'jwk' })
    } else if (text.startsWith('-----BEGIN')) {
      key = createPrivateKey(text)
    } else {
      throw new Error('not a key')
    }
  } catch {
    throw signingError(`The private key for ${alg} could not be read: expected ${needs} as PEM ` +
      '(PKCS#8 "BEGIN PRIVATE KEY", PKCS#1 "BEGIN RSA PRIVATE KEY" or SEC1 "BEGIN EC PRIVATE KEY") or as a private JWK')
  }
  const problem = keyMismatch(alg, key)
  if (problem !== undefined) throw signingError(`The private key cannot sign ${alg}: it is ${problem}; ${alg} needs ${needs}`)
  return key
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }
const ES_CURVE: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }

/** Why `key` cannot sign `alg`, or undefined when it can. */
function keyMismatch (alg: string, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType ?? 'unknown'
  const details = key.asymmetricKeyDetails ?? {}
  const curve = details.namedCurve === undefined ? undefined : (CURVES[details.namedCurve] ?? details.namedCurve)
  const actual = type === 'ec' ? `an EC key on curve ${curve ?? 'unknown'}` : type.startsWith('rsa') ? `an RSA key of ${details.modulusLength ?? '?'} bits` : `an ${type} key`
  if (alg.startsWith('RS') || alg.startsWith('PS')) {
    const ok = type === 'rsa' || (type === 'rsa-pss' && alg.startsWith('PS'))
    if (!ok) return actual
    if ((details.modulusLength ?? 0) < 2048) return actual
    return undefined
  }
  if (alg.startsWith('ES')) return type === 'ec' && curve === ES_CURVE[alg] ? undefined : actual
  if (alg === 'EdDSA') return type === 'ed25519' ? undefined : actual
  return actual
}
