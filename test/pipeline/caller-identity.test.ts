import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT, exportJWK } from 'jose'
import { ANONYMOUS_USER, createCallerVerifier } from '../../src/pipeline/caller-identity.js'

const SECRET = 'a-shared-hmac-secret-of-enough-length!'
const enc = new TextEncoder()

async function hmacToken (claims: Record<string, unknown>, opts: { iss?: string, aud?: string, exp?: string, secret?: string } = {}): Promise<string> {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt()
  if (opts.iss !== undefined) jwt = jwt.setIssuer(opts.iss)
  if (opts.aud !== undefined) jwt = jwt.setAudience(opts.aud)
  jwt = jwt.setExpirationTime(opts.exp ?? '5m')
  return await jwt.sign(enc.encode(opts.secret ?? SECRET))
}

t.test('no Authorization header: anonymous, tenant from settings', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET }, tenantId: 'acme' } })
  const id = await v.identify(undefined)
  t.equal(id.user, ANONYMOUS_USER)
  t.equal(id.tenantId, 'acme')
})

t.test('HMAC token: claims map to user.* and tenant_id', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET, issuer: 'host-app', audience: 'conduit' }, tenantId: 'default' } })
  const token = await hmacToken({
    sub: 'u-1',
    email: 'ada@example.com',
    given_name: 'Ada',
    family_name: 'Lovelace',
    preferred_username: 'ada',
    profile_fields: { 7: 'gold' },
    tenant_id: 't-9'
  }, { iss: 'host-app', aud: 'conduit' })
  const id = await v.identify(`Bearer ${token}`)
  t.same(id.user, {
    id: 'u-1', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', username: 'ada', profile_fields: { 7: 'gold' }
  })
  t.equal(id.tenantId, 't-9')
  const noTenant = await v.identify(`Bearer ${await hmacToken({ sub: 'u-2' }, { iss: 'host-app', aud: 'conduit' })}`)
  t.equal(noTenant.tenantId, 'default')
  t.equal(noTenant.user.email, null)
})

t.test('invalid tokens are INVALID_CALLER_TOKEN', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET, issuer: 'host-app', audience: 'conduit' } } })
  const cases: Array<[string, string]> = [
    ['wrong signature', `Bearer ${await hmacToken({ sub: 'x' }, { iss: 'host-app', aud: 'conduit', secret: 'another-secret-another-secret-12345' })}`],
    ['wrong issuer', `Bearer ${await hmacToken({ sub: 'x' }, { iss: 'evil', aud: 'conduit' })}`],
    ['wrong audience', `Bearer ${await hmacToken({ sub: 'x' }, { iss: 'host-app', aud: 'other' })}`],
    ['expired', `Bearer ${await hmacToken({ sub: 'x' }, { iss: 'host-app', aud: 'conduit', exp: '-10m' })}`],
    ['garbage', 'Bearer not.a.jwt'],
    ['not bearer', 'Basic dXNlcjpwYXNz']
  ]
  for (const [name, header] of cases) {
    await t.rejects(v.identify(header), { code: 'INVALID_CALLER_TOKEN', status: 401 }, name)
  }
})

t.test('an RS256 token cannot pass as HMAC and vice versa', async t => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const v = createCallerVerifier({ callers: { jwt: { publicKey: pem } } })
  const good = await new SignJWT({ sub: 'pem-user' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey)
  t.equal((await v.identify(`Bearer ${good}`)).user.id, 'pem-user')
  await t.rejects(v.identify(`Bearer ${await hmacToken({ sub: 'x' })}`), { code: 'INVALID_CALLER_TOKEN' })
})

t.test('JWKS URL through the injected fetch', async t => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  const fetched: string[] = []
  const v = createCallerVerifier({
    callers: { jwt: { jwksUrl: 'https://idp.example.test/jwks.json', issuer: 'idp' } },
    fetch: async (url) => {
      fetched.push(String(url))
      return new Response(JSON.stringify({ keys: [jwk] }), { status: 200, headers: { 'content-type': 'application/json' } })
    }
  })
  const token = await new SignJWT({ sub: 'jwks-user' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('idp').setExpirationTime('5m').sign(privateKey)
  t.equal((await v.identify(`Bearer ${token}`)).user.id, 'jwks-user')
  t.same(fetched, ['https://idp.example.test/jwks.json'])
})

t.test('without callers.jwt a token is not trusted: the caller stays anonymous', async t => {
  const v = createCallerVerifier({ callers: {} })
  t.equal(v.configured, false)
  const id = await v.identify(`Bearer ${await hmacToken({ sub: 'x' })}`)
  t.equal(id.user, ANONYMOUS_USER)
})

t.test('a verified token is reused without verifying again, until the cache bound', async t => {
  let now = Date.now()
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET } }, now: () => now, cacheMaxAgeSeconds: 60 })
  const header = `Bearer ${await hmacToken({ sub: 'u-c', email: 'c@example.com' })}`
  t.equal(v.identifyCached?.(header), undefined, 'not verified yet')
  const first = await v.identify(header)
  const cached = v.identifyCached?.(header)
  t.equal(cached, first, 'the same identity, synchronously')
  t.equal((await v.identify(header)), first)
  t.ok(Object.isFrozen(first) && Object.isFrozen(first.user), 'shared identities cannot be changed by one request')
  now += 61_000
  t.equal(v.identifyCached?.(header), undefined, 'past the bound it is verified again')
  t.equal((await v.identify(header)).user.email, 'c@example.com')
})

t.test('a cached token is not trusted past its exp', async t => {
  let now = Date.now()
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET } }, now: () => now, cacheMaxAgeSeconds: 3600 })
  const header = `Bearer ${await hmacToken({ sub: 'u-e' }, { exp: '20s' })}`
  await v.identify(header)
  t.ok(v.identifyCached?.(header) !== undefined)
  now += 21_000
  t.equal(v.identifyCached?.(header), undefined)
})

t.test('an invalid token is never cached', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET } } })
  const header = `Bearer ${await hmacToken({ sub: 'x' }, { secret: 'another-secret-another-secret-12345' })}`
  await t.rejects(v.identify(header), { code: 'INVALID_CALLER_TOKEN' })
  t.equal(v.identifyCached?.(header), undefined)
  await t.rejects(v.identify(header), { code: 'INVALID_CALLER_TOKEN' })
  t.equal(v.identifyCached?.('Basic dXNlcjpwYXNz'), undefined, 'a malformed header goes through identify() and its error')
})

t.test('the cache keeps the most recently used tokens up to its bound', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET } }, cacheMaxEntries: 2 })
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async sub => `Bearer ${await hmacToken({ sub })}`))
  await v.identify(a)
  await v.identify(b)
  v.identifyCached?.(a)
  await v.identify(c)
  t.equal(v.identifyCached?.(a)?.user.id, 'a')
  t.equal(v.identifyCached?.(b), undefined, 'the least recently used one was dropped')
  t.equal(v.identifyCached?.(c)?.user.id, 'c')
})

t.test('identifyCached: no header is anonymous at once', async t => {
  const v = createCallerVerifier({ callers: { jwt: { secret: SECRET }, tenantId: 'acme' } })
  t.same(v.identifyCached?.(undefined), { user: ANONYMOUS_USER, tenantId: 'acme' })
})

t.test('a caller token without exp is refused unless callers.jwt.requireExp is false', async t => {
  const noExp = `Bearer ${await new SignJWT({ sub: 'forever' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(enc.encode(SECRET))}`
  const strict = createCallerVerifier({ callers: { jwt: { secret: SECRET, requireExp: true } } })
  await t.rejects(strict.identify(noExp), { code: 'INVALID_CALLER_TOKEN', status: 401, message: /carries no 'exp' claim/ })
  const byDefault = createCallerVerifier({ callers: { jwt: { secret: SECRET } } })
  await t.rejects(byDefault.identify(noExp), { code: 'INVALID_CALLER_TOKEN' }, 'requireExp is on when not set')
  const relaxed = createCallerVerifier({ callers: { jwt: { secret: SECRET, requireExp: false } } })
  t.equal((await relaxed.identify(noExp)).user.id, 'forever')
})
