import t from 'tap'
import { generateKeyPairSync, createPublicKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { jwtVerify, decodeProtectedHeader } from 'jose'
import { jwtEncode, JwtSigningError } from '../../../src/template/runtime/jwt-encode.js'
import { PyFloat, UNDEFINED, fromHost } from '../../../src/template/runtime/values.js'

/** jwt_encode with host values (plain objects are dicts, as in a render context). */
const jwtEncodeOf = (payload: unknown, key: unknown, algorithm: unknown, headers: unknown): string => jwtEncode(fromHost(payload), key, algorithm, fromHost(headers))
import { TemplateRenderError } from '../../../src/template/types.js'

function pem (k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }) as string
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' })
const ed = generateKeyPairSync('ed25519')

const payload = { sub: 'user-1', iat: 1_700_000_000, scope: 'read write' }

t.test('HS256/384/512 tokens verify with jose and carry the payload', async t => {
  const secret = 'a-shared-secret-of-enough-length-for-hs512!!'
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    const token = jwtEncodeOf(payload, secret, alg, null)
    const { payload: claims, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: [alg] })
    t.same(claims, payload, alg)
    t.same(protectedHeader, { alg, typ: 'JWT' }, alg)
  }
})

t.test('RS*, PS*, ES* and EdDSA tokens verify with jose against the public key', async t => {
  const cases: Array<[string, KeyObject, KeyObject]> = [
    ['RS256', rsa.privateKey, rsa.publicKey], ['RS384', rsa.privateKey, rsa.publicKey], ['RS512', rsa.privateKey, rsa.publicKey],
    ['PS256', rsa.privateKey, rsa.publicKey], ['PS384', rsa.privateKey, rsa.publicKey], ['PS512', rsa.privateKey, rsa.publicKey],
    ['ES256', p256.privateKey, p256.publicKey], ['ES384', p384.privateKey, p384.publicKey], ['ES512', p521.privateKey, p521.publicKey],
    ['EdDSA', ed.privateKey, ed.publicKey]
  ]
  for (const [alg, priv, pub] of cases) {
    const token = jwtEncodeOf(payload, pem(priv), alg, null)
    const { payload: claims } = await jwtVerify(token, pub, { algorithms: [alg] })
    t.same(claims, payload, alg)
  }
})

t.test('PKCS#1 and SEC1 PEM keys, and keys with literal \\n sequences, are accepted', async t => {
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string
  await jwtVerify(jwtEncodeOf(payload, pkcs1, 'RS256', null), rsa.publicKey)
  const sec1 = p256.privateKey.export({ type: 'sec1', format: 'pem' }) as string
  await jwtVerify(jwtEncodeOf(payload, sec1, 'ES256', null), p256.publicKey)
  const oneLine = pem(ed.privateKey).replace(/\n/g, '\\n')
  await jwtVerify(jwtEncodeOf(payload, oneLine, 'EdDSA', null), createPublicKey(ed.privateKey))
  t.pass('all verified')
})

t.test('headers are merged, sorted and cannot override alg; segments are compact Python JSON', async t => {
  const token = jwtEncodeOf({ n: new PyFloat(2), x: 'é', list: [1, 2.5] }, 'secret', 'HS256', { kid: 'k1', alg: 'none', typ: 'at+jwt' })
  const [h, p] = token.split('.') as [string, string]
  t.equal(Buffer.from(h, 'base64url').toString(), '{"alg":"HS256","kid":"k1","typ":"at+jwt"}')
  t.equal(Buffer.from(p, 'base64url').toString(), '{"n":2.0,"x":"\\u00e9","list":[1,2.5]}')
  t.same(decodeProtectedHeader(token), { alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
  const { payload: claims } = await jwtVerify(token, new TextEncoder().encode('secret'), { typ: 'at+jwt' })
  t.same(claims, { n: 2, x: 'é', list: [1, 2.5] })
})

t.test('a key that cannot sign with the algorithm is a JwtSigningError that never shows the key', async t => {
  const rsaPem = pem(rsa.privateKey)
  const attempts: Array<[string, string]> = [
    [rsaPem, 'ES256'], [pem(p256.privateKey), 'ES384'], [pem(p256.privateKey), 'RS256'], [rsaPem, 'EdDSA'],
    ['not a pem key', 'RS256'], [rsaPem, 'HS256'], ['-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----', 'PS256']
  ]
  for (const [key, alg] of attempts) {
    try {
      jwtEncodeOf(payload, key, alg, null)
      t.fail(`${alg} should fail`)
    } catch (err) {
      t.ok(err instanceof JwtSigningError && err instanceof TemplateRenderError, alg)
      t.equal((err as Error).message, `jwt_encode: the key cannot sign with ${alg}`)
      t.notMatch((err as Error).message, /BEGIN|broken|not a pem/)
    }
  }
})

t.test('bad arguments are named', async t => {
  t.throws(() => jwtEncodeOf(payload, 'k', 'none', null), /the algorithm \(third argument\) must be one of HS256, HS384, HS512, RS256/)
  t.throws(() => jwtEncodeOf(payload, 'k', 5, null), /the algorithm \(third argument\) must be one of/)
  // Key and algorithm swapped: the key must not appear in the message.
  try {
    jwtEncodeOf(payload, 'HS256', 'my-secret-key', null)
    t.fail('swapped arguments should fail')
  } catch (err) {
    t.notMatch((err as Error).message, /my-secret-key/)
  }
  t.throws(() => jwtEncodeOf('x', 'k', 'HS256', null), /the payload must be a dict, not str/)
  t.throws(() => jwtEncodeOf(UNDEFINED, 'k', 'HS256', null), /the payload must be a dict, not an undefined value/)
  t.throws(() => jwtEncodeOf(payload, UNDEFINED, 'HS256', null), /the key must be a string, not an undefined value/)
  t.throws(() => jwtEncodeOf(payload, 'k', 'HS256', [1]), /headers must be a dict, not list/)
})

t.test('the same key signs repeatedly (cached key object) with identical HMAC output', async t => {
  const a = jwtEncodeOf(payload, 'secret', 'HS256', null)
  const b = jwtEncodeOf(payload, 'secret', 'HS256', null)
  t.equal(a, b)
  const key = pem(p256.privateKey)
  for (let i = 0; i < 3; i++) await jwtVerify(jwtEncodeOf(payload, key, 'ES256', null), p256.publicKey)
})
