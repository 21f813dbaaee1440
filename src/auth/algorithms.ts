// JWS algorithms of SPEC §6 and the key each one needs.

export const JWT_ALGORITHMS = [
  'HS256', 'HS384', 'HS512',
  'RS256', 'RS384', 'RS512',
  'ES256', 'ES384', 'ES512',
  'PS256', 'PS384', 'PS512',
  'EdDSA'
] as const

export type JwtAlgorithm = typeof JWT_ALGORITHMS[number]

export const DEFAULT_JWT_ALGORITHM: JwtAlgorithm = 'RS256'

const BY_UPPER = new Map<string, JwtAlgorithm>(JWT_ALGORITHMS.map(a => [a.toUpperCase(), a]))

/** The canonical spelling of a supported algorithm name (case-insensitive), or undefined. */
export function canonicalAlgorithm (name: string): JwtAlgorithm | undefined {
  return BY_UPPER.get(name.trim().toUpperCase())
}

export function isHmac (alg: string): boolean {
  return alg.startsWith('HS')
}

/** Human description of the key an asymmetric algorithm needs (used in error messages). */
export function requiredKeyDescription (alg: string): string {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'an RSA private key of at least 2048 bits'
  if (alg === 'ES256') return 'an EC private key on curve P-256'
  if (alg === 'ES384') return 'an EC private key on curve P-384'
  if (alg === 'ES512') return 'an EC private key on curve P-521'
  if (alg === 'EdDSA') return 'an Ed25519 private key'
  return 'a shared secret'
}
