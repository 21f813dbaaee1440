import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { signJwt, toClaims } from '../../src/auth/jwt.js'
import { JWT_ALGORITHMS } from '../../src/auth/algorithms.js'
import { ConduitError, toEnvelope } from '../../src/errors.js'

interface Pair { privatePem: string, publicKey: KeyObject | Uint8Array }

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pair = (kp: { privateKey: KeyObject, publicKey: KeyObject }): Pair =>
  ({ privatePem: kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey: kp.publicKey })
const RSA = pair(rsa)
const KEYS: Record<string, Pair> = {
  RS: RSA,
  PS: RSA,
  ES256: pair(generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  ES384: pair(generateKeyPairSync('ec', { namedCurve: 'P-384' })),
  ES512: pair(generateKeyPairSync('ec', { namedCurve: 'P-521' })),
  EdDSA: pair(generateKeyPairSync('ed25519'))
}
const HMAC_SECRET = 'hmac-shared-secret-that-is-long-enough-for-hs512-0123456789abcdef'

function keyFor (alg: string): Pair {
  if (alg.startsWith('HS')) return { privatePem: HMAC_SECRET, publicKey: new TextEncoder().encode(HMAC_SECRET) }
  return KEYS[alg] ?? KEYS[alg.slice(0, 2)]
}

t.test('signs with every algorithm of SPEC §6; the token verifies with the matching key', async t => {
  t.equal(JWT_ALGORITHMS.length, 13)
  for (const alg of JWT_ALGORITHMS) {
    const { privatePem, publicKey } = keyFor(alg)
    const jwt = await signJwt({ algorithm: alg, key: privatePem, claims: { sub: 'user-42', iss: 'conduit' } })
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: [alg], issuer: 'conduit' })
    t.equal(payload.sub, 'user-42', alg)
    t.equal(protectedHeader.alg, alg)
    t.equal(protectedHeader.typ, 'JWT')
  }
})

t.test('accepts PKCS#1 RSA, SEC1 EC, JWK and "\\n"-escaped PEM keys', async t => {
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
  t.match(pkcs1, /BEGIN RSA PRIVATE KEY/)
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string
  t.match(sec1, /BEGIN EC PRIVATE KEY/)
  const ed = generateKeyPairSync('ed25519')
  const jwk = JSON.stringify(ed.privateKey.export({ format: 'jwk' }))
  const escaped = RSA.privatePem.trim().replace(/\n/g, '\\n')

  const a = await signJwt({ algorithm: 'RS384', key: pkcs1, claims: { n: '1' } })
  t.equal((await jwtVerify(a, rsa.publicKey)).payload.n, '1')
  const b = await signJwt({ algorithm: 'ES256', key: sec1, claims: { n: '2' } })
  t.equal((await jwtVerify(b, ec.publicKey)).payload.n, '2')
  const c = await signJwt({ algorithm: 'EdDSA', key: jwk, claims: { n: '3' } })
  t.equal((await jwtVerify(c, ed.publicKey)).payload.n, '3')
  const d = await signJwt({ algorithm: 'PS256', key: escaped, claims: { n: '4' } })
  t.equal((await jwtVerify(d, rsa.publicKey)).payload.n, '4')
})

t.test('numeric-string exp, iat and nbf become integers; other claims stay strings', async t => {
  t.same(toClaims({ exp: '1700000300', iat: ' 1700000000 ', nbf: '1700000000.9', sub: '123', exp_note: '5' }),
    { exp: 1700000300, iat: 1700000000, nbf: 1700000000, sub: '123', exp_note: '5' })
  t.same(toClaims({ exp: 'soon' }), { exp: 'soon' })
  const now = Math.floor(Date.now() / 1000)
  const jwt = await signJwt({ algorithm: 'HS256', key: HMAC_SECRET, claims: toClaims({ exp: String(now + 60), iat: String(now), sub: '7' }) })
  const { payload } = await jwtVerify(jwt, new TextEncoder().encode(HMAC_SECRET))
  t.equal(payload.exp, now + 60)
  t.equal(payload.iat, now)
  t.equal(payload.sub, '7')
})

t.test('jwt_headers go into the protected header; alg stays the configured one', async t => {
  const jwt = await signJwt({ algorithm: 'ES256', key: KEYS.ES256.privatePem, claims: {}, headers: { kid: 'key-2024', typ: 'at+jwt', alg: 'none' } })
  t.same(decodeProtectedHeader(jwt), { typ: 'at+jwt', kid: 'key-2024', alg: 'ES256' })
  await jwtVerify(jwt, KEYS.ES256.publicKey, { typ: 'at+jwt' })
})

t.test('a key that cannot sign is 422 JWT_SIGNING_ERROR naming the problem, never the key', async t => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const ed448 = generateKeyPairSync('ed448').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
  const truncated = RSA.privatePem.slice(0, 200) + '\n-----END PRIVATE KEY-----\n'
  const cases: Array<{ name: string, alg: string, key: string, detail: RegExp }> = [
    { name: 'garbage text', alg: 'RS256', key: 'not-a-key-at-all-SECRET', detail: /could not be read.*RSA private key/ },
    { name: 'truncated PEM', alg: 'RS256', key: truncated, detail: /could not be read/ },
    { name: 'bad JWK', alg: 'ES256', key: '{"kty":"EC","crv":"P-256","d":"SECRETSECRET"}', detail: /could not be read/ },
    { name: 'public key', alg: 'RS256', key: publicPem, detail: /public key or certificate; signing needs an RSA private key/ },
    { name: 'EC key for RS256', alg: 'RS256', key: KEYS.ES256.privatePem, detail: /cannot sign RS256: it is an EC key on curve P-256/ },
    { name: 'P-256 key for ES384', alg: 'ES384', key: KEYS.ES256.privatePem, detail: /cannot sign ES384: it is an EC key on curve P-256; ES384 needs an EC private key on curve P-384/ },
    { name: 'RSA 1024 for RS256', alg: 'RS256', key: rsa1024, detail: /it is an RSA key of 1024 bits; RS256 needs an RSA private key of at least 2048 bits/ },
    { name: 'RSA key for EdDSA', alg: 'EdDSA', key: RSA.privatePem, detail: /cannot sign EdDSA: it is an RSA key/ },
    { name: 'Ed448 for EdDSA', alg: 'EdDSA', key: ed448, detail: /it is an ed448 key; EdDSA needs an Ed25519 private key/ },
    { name: 'empty HMAC secret', alg: 'HS256', key: '', detail: /HS256 secret is empty/ },
    { name: 'unsupported algorithm', alg: 'none', key: HMAC_SECRET, detail: /Unsupported JWT algorithm 'none'/ }
  ]
  for (const c of cases) {
    const err = await signJwt({ algorithm: c.alg, key: c.key, claims: { sub: 'x' } }).then(() => undefined, (e: unknown) => e)
    t.ok(err instanceof ConduitError, c.name)
    const e = err as ConduitError
    t.equal(e.code, 'JWT_SIGNING_ERROR', c.name)
    t.equal(e.status, 422)
    t.equal(e.scope, 'Authentication (JWT signing)')
    t.match(e.detail, c.detail, c.name)
    const envelope = JSON.stringify(toEnvelope(e, 'req-1'))
    t.notOk(envelope.includes('SECRET'), `${c.name}: no key material in the envelope`)
    t.notOk(envelope.includes('MII'), `${c.name}: no PEM body in the envelope`)
    if (c.key.length > 80) t.notOk(envelope.includes(c.key.slice(40, 80)), `${c.name}: no key text`)
  }
})

t.test('a header jose refuses is a signing error too', async t => {
  const err = await signJwt({ algorithm: 'HS256', key: HMAC_SECRET, claims: {}, headers: { crit: 'b64' } }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ConduitError)
  t.equal((err as ConduitError).code, 'JWT_SIGNING_ERROR')
  t.match((err as ConduitError).detail, /Signing the JWT with HS256 failed/)
})

t.test('the same key signs repeatedly (parsed once, reused) and distinct keys do not collide', async t => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pemA = a.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const pemB = b.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  for (let i = 0; i < 3; i++) {
    await jwtVerify(await signJwt({ algorithm: 'ES256', key: pemA, claims: { i: String(i) } }), a.publicKey)
    await jwtVerify(await signJwt({ algorithm: 'ES256', key: pemB, claims: { i: String(i) } }), b.publicKey)
  }
  await t.rejects(jwtVerify(await signJwt({ algorithm: 'ES256', key: pemB, claims: {} }), a.publicKey))
})
