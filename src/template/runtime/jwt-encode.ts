// jwt_encode(payload, key, algorithm, headers?) → a compact JWS, synchronously (rendering is
// synchronous, jose's API is not), signed with node:crypto. Segments are serialized as PyJWT does
// (compact separators, header keys sorted), so HS* tokens equal PyJWT's byte for byte.
// The key never appears in an error message.
import { createHash, createHmac, createPrivateKey, sign, constants } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { PyDict, isDict, isUndefined, pyTypeName } from './values.js'
import { compactJson } from './tojson.js'
import { TemplateRenderError } from '../types.js'

/** A signing failure; the pipeline may report it as JWT_SIGNING_ERROR (SPEC §11). */
export class JwtSigningError extends TemplateRenderError {
  constructor (message: string) {
    super(message)
    this.name = 'JwtSigningError'
  }
}

type Family = 'hmac' | 'rsa' | 'pss' | 'ec' | 'eddsa'

interface AlgSpec { family: Family, hash: string | null, curve?: string, digestBytes: number }

const ALGORITHMS: Record<string, AlgSpec> = {
  HS256: { family: 'hmac', hash: 'sha256', digestBytes: 32 },
  HS384: { family: 'hmac', hash: 'sha384', digestBytes: 48 },
  HS512: { family: 'hmac', hash: 'sha512', digestBytes: 64 },
  RS256: { family: 'rsa', hash: 'sha256', digestBytes: 32 },
  RS384: { family: 'rsa', hash: 'sha384', digestBytes: 48 },
  RS512: { family: 'rsa', hash: 'sha512', digestBytes: 64 },
  PS256: { family: 'pss', hash: 'sha256', digestBytes: 32 },
  PS384: { family: 'pss', hash: 'sha384', digestBytes: 48 },
  PS512: { family: 'pss', hash: 'sha512', digestBytes: 64 },
  ES256: { family: 'ec', hash: 'sha256', curve: 'prime256v1', digestBytes: 32 },
  ES384: { family: 'ec', hash: 'sha384', curve: 'secp384r1', digestBytes: 48 },
  ES512: { family: 'ec', hash: 'sha512', curve: 'secp521r1', digestBytes: 64 },
  EdDSA: { family: 'eddsa', hash: null, digestBytes: 0 }
}

const KEY_CACHE_SIZE = 64
const keyCache = new Map<string, KeyObject>()

function cannotSign (alg: string): never {
  throw new JwtSigningError(`jwt_encode: the key cannot sign with ${alg}`)
}

/** Keys pasted into one-line settings often carry literal "\n" sequences instead of newlines. */
function normalizePem (key: string): string {
  return key.includes('-----BEGIN') && !key.includes('\n') ? key.replace(/\\n/g, '\n') : key
}

function privateKey (key: string, alg: string, spec: AlgSpec): KeyObject {
  const id = createHash('sha256').update(alg).update('\0').update(key).digest('base64')
  const cached = keyCache.get(id)
  if (cached !== undefined) return cached
  let k: KeyObject
  try {
    k = createPrivateKey(normalizePem(key))
  } catch {
    return cannotSign(alg)
  }
  const type = k.asymmetricKeyType
  const ok =
    (spec.family === 'rsa' && type === 'rsa') ||
    (spec.family === 'pss' && (type === 'rsa' || type === 'rsa-pss')) ||
    (spec.family === 'ec' && type === 'ec' && k.asymmetricKeyDetails?.namedCurve === spec.curve) ||
    (spec.family === 'eddsa' && (type === 'ed25519' || type === 'ed448'))
  if (!ok) cannotSign(alg)
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value as string)
  keyCache.set(id, k)
  return k
}

function b64url (data: string | Buffer): string {
  return Buffer.from(data).toString('base64url')
}

const ASYMMETRIC_HMAC_KEY = /-----BEGIN (?:[A-Z ]+ )?(?:PRIVATE|PUBLIC) KEY-----|-----BEGIN CERTIFICATE-----|^ssh-(?:rsa|ed25519) /

export function jwtEncode (payload: unknown, key: unknown, algorithm: unknown, headers: unknown): string {
  if (typeof algorithm !== 'string' || !Object.hasOwn(ALGORITHMS, algorithm)) {
    // The value is not echoed: a key passed in the algorithm's place must not reach the error.
    throw new JwtSigningError(`jwt_encode: the algorithm (third argument) must be one of ${Object.keys(ALGORITHMS).join(', ')}`)
  }
  const spec = ALGORITHMS[algorithm] as AlgSpec
  if (!isDict(payload)) {
    throw new JwtSigningError(`jwt_encode: the payload must be a dict, not ${isUndefined(payload) ? 'an undefined value' : pyTypeName(payload)}`)
  }
  if (typeof key !== 'string') {
    throw new JwtSigningError(`jwt_encode: the key must be a string, not ${isUndefined(key) ? 'an undefined value' : pyTypeName(key)}`)
  }
  if (headers !== null && headers !== undefined && !isUndefined(headers) && !isDict(headers)) {
    throw new JwtSigningError(`jwt_encode: headers must be a dict, not ${pyTypeName(headers)}`)
  }
  const header = new PyDict()
  header.setStr('typ', 'JWT')
  if (isDict(headers)) for (const [k, v] of headers.entries()) header.set(k, v)
  header.setStr('alg', algorithm)
  const signingInput = b64url(compactJson(header, true)) + '.' + b64url(compactJson(payload, false))
  let signature: Buffer
  if (spec.family === 'hmac') {
    if (ASYMMETRIC_HMAC_KEY.test(key)) cannotSign(algorithm)
    signature = createHmac(spec.hash as string, key).update(signingInput).digest()
  } else {
    const k = privateKey(key, algorithm, spec)
    try {
      if (spec.family === 'eddsa') signature = sign(null, Buffer.from(signingInput), k)
      else if (spec.family === 'ec') signature = sign(spec.hash, Buffer.from(signingInput), { key: k, dsaEncoding: 'ieee-p1363' })
      else if (spec.family === 'pss') {
        signature = sign(spec.hash, Buffer.from(signingInput), {
          key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.digestBytes
        })
      } else signature = sign(spec.hash, Buffer.from(signingInput), { key: k, padding: constants.RSA_PKCS1_PADDING })
    } catch {
      return cannotSign(algorithm)
    }
  }
  return signingInput + '.' + b64url(signature)
}
