// Authentication end to end against a real OAuth 2.0 authorization server (oidc-provider) and a real
// upstream on loopback that verifies what Conduit sends with jose.
import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPairSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose'
import type { JSONWebKeySet, JWTPayload } from 'jose'
import { compileAuthentication } from '../../src/auth/compile.js'
import {
  applyAuthentication, authSecretNames, authVariableNames, debugAuthentication, renderAuthentication,
  DEBUG_MASK, JWT_BEARER_GRANT
} from '../../src/auth/apply.js'
import type { ApplyDeps } from '../../src/auth/apply.js'
import { TokenCache } from '../../src/auth/token-cache.js'
import type { AuthDefinition, AuthOutcome } from '../../src/auth/types.js'
import { ConduitError, toEnvelope } from '../../src/errors.js'
import { createUpstreamDispatcher } from '../../src/upstream/dispatcher.js'
import { sendUpstream } from '../../src/upstream/send.js'
import type { RenderContext } from '../../src/template/types.js'
import { JWT_ALGORITHMS } from '../../src/auth/algorithms.js'

// ---------------------------------------------------------------------------------------------
// oidc-provider has no type declarations; these are the parts the test uses.
interface OidcClient { clientId: string, metadata: () => { jwks?: JSONWebKeySet } }
interface OidcContext { oidc: { params: Record<string, unknown>, client: OidcClient }, body: unknown, assertionSub?: unknown }
interface IssuedToken { resourceServer: unknown, expiration: number, save: () => Promise<string> }
interface OidcProvider {
  callback: () => (req: IncomingMessage, res: ServerResponse) => void
  registerGrantType: (name: string, handler: (ctx: OidcContext) => Promise<void>, params: string[]) => void
  ClientCredentials: new (init: { client: OidcClient, scope?: string }) => IssuedToken
  ResourceServer: new (identifier: string, info: Record<string, unknown>) => unknown
}
interface OidcModule {
  default: new (issuer: string, config: Record<string, unknown>) => OidcProvider
  errors: { InvalidGrant: new (description: string) => Error }
}
const oidc = await import('oidc-provider' as string) as OidcModule
const Provider = oidc.default

// ---------------------------------------------------------------------------------------------
// Credentials and keys
const CC_SECRET = 'cc-secret-5b7e2f0a91c34d6e8f'
const HMAC_SECRET = 'jwt-hmac-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0-long-enough-for-hs512'
const RESOURCE = 'https://api.conduit.test'

const pem = (k: KeyObject, type: 'pkcs8' | 'pkcs1' | 'sec1'): string => k.export({ type, format: 'pem' }) as string
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' })
const ed = generateKeyPairSync('ed25519')
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })

/** Private key text (the secret value) and verification key for each algorithm; RS* use PKCS#1. */
function keysFor (alg: string): { secret: string, verify: KeyObject | Uint8Array } {
  if (alg.startsWith('HS')) return { secret: HMAC_SECRET, verify: new TextEncoder().encode(HMAC_SECRET) }
  if (alg.startsWith('RS')) return { secret: pem(rsa.privateKey, 'pkcs1'), verify: rsa.publicKey }
  if (alg.startsWith('PS')) return { secret: pem(rsa.privateKey, 'pkcs8'), verify: rsa.publicKey }
  if (alg === 'ES256') return { secret: pem(ec256.privateKey, 'sec1'), verify: ec256.publicKey }
  if (alg === 'ES384') return { secret: pem(ec384.privateKey, 'pkcs8'), verify: ec384.publicKey }
  if (alg === 'ES512') return { secret: pem(ec521.privateKey, 'pkcs8'), verify: ec521.publicKey }
  return { secret: pem(ed.privateKey, 'pkcs8'), verify: ed.publicKey }
}

const EC_PEM = pem(ec256.privateKey, 'pkcs8')
const RSA_PKCS1_PEM = pem(rsa.privateKey, 'pkcs1')
/** Every credential value of this file: none may ever appear in an error or a debug view. */
const CREDENTIALS = [CC_SECRET, HMAC_SECRET, EC_PEM, RSA_PKCS1_PEM, ...JWT_ALGORITHMS.map(a => keysFor(a).secret)]

// ---------------------------------------------------------------------------------------------
// Test clock: real time plus whatever the test advances, shared by Conduit and the authorization
// server's assertion check.
let offsetMs = 0
const clock = (): number => Date.now() + offsetMs
const advance = (seconds: number): void => { offsetMs += seconds * 1000 }

// ---------------------------------------------------------------------------------------------
// Authorization server on loopback
interface TokenRequest { grant_type: string, client_id?: string, scope?: string, client_secret?: string, assertion?: string }
const tokenRequests: TokenRequest[] = []
const assertions: Array<{ payload: JWTPayload, header: Record<string, unknown> }> = []

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
async function close (server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>(resolve => server.close(() => resolve()))
}

const authServer = createServer()
const ISSUER = await listen(authServer)
const TOKEN_URL = `${ISSUER}/token`
const AUTH_HOST = new URL(ISSUER).host
const providerKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
const resourceServerInfo = {
  scope: 'read write', audience: RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } }
}
const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: 'conduit-cc',
      client_secret: CC_SECRET,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'read write'
    },
    {
      client_id: 'conduit-jb',
      grant_types: [JWT_BEARER_GRANT],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'none',
      jwks: {
        keys: [
          { ...ec256.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
          { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1' }
        ]
      }
    }
  ],
  jwks: { keys: [{ ...providerKey.privateKey.export({ format: 'jwk' }), kid: 'as-1', alg: 'RS256', use: 'sig' }] },
  scopes: ['read', 'write', 'admin'],
  ttl: { ClientCredentials: 600 },
  // The JWT-bearer grant records whose assertion a token came from; the upstream checks it.
  extraTokenClaims: (ctx: OidcContext) => ctx.assertionSub === undefined ? undefined : { assertion_sub: ctx.assertionSub },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: () => resourceServerInfo
    }
  }
})

// RFC 7523 grant: the assertion is verified against the client's registered public keys.
provider.registerGrantType(JWT_BEARER_GRANT, async (ctx) => {
  const client = ctx.oidc.client
  const jwks = createLocalJWKSet(client.metadata().jwks ?? { keys: [] })
  let verified
  try {
    verified = await jwtVerify(String(ctx.oidc.params.assertion), jwks, {
      issuer: client.clientId, audience: TOKEN_URL, maxTokenAge: 300, currentDate: new Date(clock()), requiredClaims: ['sub', 'exp', 'iat']
    })
  } catch {
    throw new oidc.errors.InvalidGrant('assertion could not be verified')
  }
  assertions.push({ payload: verified.payload, header: verified.protectedHeader as Record<string, unknown> })
  const token = new provider.ClientCredentials({ client, scope: 'read' })
  token.resourceServer = new provider.ResourceServer(RESOURCE, resourceServerInfo)
  ctx.assertionSub = verified.payload.sub
  ctx.body = { access_token: await token.save(), token_type: 'Bearer', expires_in: token.expiration }
}, ['assertion'])

const providerCallback = provider.callback()
authServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
  if (req.method !== 'POST' || req.url !== '/token') { providerCallback(req, res); return }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    tokenRequests.push(Object.fromEntries(form) as unknown as TokenRequest)
    // RFC 7523 §3: the client of a JWT-bearer grant is the assertion's issuer; oidc-provider wants
    // it as client_id, so the front door passes it on.
    const assertion = form.get('assertion')
    if (form.get('grant_type') === JWT_BEARER_GRANT && assertion !== null && !form.has('client_id')) {
      try { form.set('client_id', String(decodeJwt(assertion).iss)) } catch {}
    }
    (req as IncomingMessage & { body?: string }).body = form.toString()
    providerCallback(req, res)
  })
})

// ---------------------------------------------------------------------------------------------
// Upstream on loopback: verifies the bearer token and answers with its claims.
const revoked = new Set<string>()
async function upstreamHandler (req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x')
  const auth = req.headers.authorization ?? ''
  const token = auth.startsWith('Bearer ') ? auth.slice(7) : ''
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  try {
    if (url.pathname === '/echo') { reply(200, { headers: req.headers, query: [...url.searchParams] }); return }
    if (revoked.has(token)) { reply(401, { error: 'invalid_token' }); return }
    if (url.pathname === '/oauth') {
      const { payload } = await jwtVerify(token, providerJwks, { issuer: ISSUER, audience: RESOURCE, currentDate: new Date() })
      reply(200, { claims: payload }); return
    }
    if (url.pathname === '/jwt') {
      const alg = url.searchParams.get('alg') ?? ''
      const { payload, protectedHeader } = await jwtVerify(token, keysFor(alg).verify, { algorithms: [alg], issuer: 'conduit-tests' })
      reply(200, { claims: payload, header: protectedHeader }); return
    }
    reply(404, {})
  } catch (err) {
    reply(401, { error: (err as Error).message })
  }
}
const upstreamServer = createServer((req, res) => {
  upstreamHandler(req, res).catch(() => res.destroy())
})
const UPSTREAM = await listen(upstreamServer)
const providerJwks = createRemoteJWKSet(new URL(`${ISSUER}/jwks`))

// ---------------------------------------------------------------------------------------------
const dispatcher = createUpstreamDispatcher({
  timeoutMs: 2000, connectTimeoutMs: 1000, maxResponseBytes: 1024 * 1024, allowInsecure: true, allowPrivateNetworks: true
})
t.teardown(async () => {
  await dispatcher.close()
  await close(upstreamServer)
  await close(authServer)
})

function depsWith (cache = new TokenCache({ clock }), timeoutMs = 2000): ApplyDeps {
  return { dispatcher, timeoutMs, clock, tokenCache: cache, allowInsecure: true }
}

const SECRETS: Record<string, string> = {
  cc_secret: CC_SECRET,
  hmac: HMAC_SECRET,
  ec_pem: EC_PEM,
  rsa_pkcs1: RSA_PKCS1_PEM,
  api_key: 'ak-9f8e7d6c5b4a',
  stranger_pem: pem(stranger.privateKey, 'pkcs8'),
  not_a_key: 'definitely not a key'
}
for (const alg of JWT_ALGORITHMS) SECRETS[`key_${alg}`] = keysFor(alg).secret
CREDENTIALS.push(...Object.values(SECRETS))

function context (extra: Partial<RenderContext> = {}): RenderContext {
  return {
    user: { id: 'u-42', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', username: 'ada', profile_fields: null },
    tenant_id: 'tenant-1',
    secrets: SECRETS,
    variables: { token_url: TOKEN_URL, issuer: 'conduit-tests', kid: 'key-2024', header_name: 'X-Api-Key', bad_header: 'Bad Header' },
    clock,
    ...extra
  }
}

function compile (raw: unknown): AuthDefinition {
  const r = compileAuthentication(raw, { allowInsecure: true, allowPrivateNetworks: true })
  if (r.definition === undefined) throw new Error(`definition rejected: ${JSON.stringify(r.problems)}`)
  return r.definition
}

async function authenticate (def: AuthDefinition, deps: ApplyDeps, ctx = context()): Promise<AuthOutcome> {
  return await applyAuthentication(def, renderAuthentication(def, ctx), deps)
}

async function callUpstream (path: string, outcome: AuthOutcome): Promise<{ status: number, body: any }> {
  const url = new URL(path, UPSTREAM)
  for (const [k, v] of outcome.query) url.searchParams.append(k, v)
  const res = await sendUpstream(dispatcher, { url: url.href, method: 'GET', headers: outcome.headers }, { timeoutMs: 2000, maxResponseBytes: 1024 * 1024 })
  return { status: res.status, body: JSON.parse(res.body.toString('utf8')) }
}

async function failure (p: Promise<unknown>): Promise<ConduitError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof ConduitError)) throw new Error(`expected a ConduitError, got ${String(err)}`)
  return err
}

/** Everything a caller or operator could see of an error. */
const observed: string[] = []
function assertNoLeak (t: Test, text: string, what: string): void {
  observed.push(text)
  for (const credential of CREDENTIALS) {
    if (text.includes(credential)) t.fail(`${what} contains a credential`)
    // PEM bodies: any 40-character run of the key is a leak.
    const body = credential.replace(/-----[A-Z ]+-----|\s/g, '')
    if (body.length > 60 && text.includes(body.slice(20, 60))) t.fail(`${what} contains key material`)
  }
}
function assertError (t: Test, err: ConduitError, code: string, status: number, scope: string, detail: RegExp): void {
  t.equal(err.code, code)
  t.equal(err.status, status)
  t.equal(err.scope, scope)
  t.match(err.detail, detail)
  const envelope = toEnvelope(err, 'req-1')
  t.equal(envelope.status, status)
  assertNoLeak(t, JSON.stringify(envelope), `${code} envelope`)
}

const CC = {
  type: 'oauth_client_credentials',
  config: { client_id: 'conduit-cc', client_secret: "{{ get_secret('cc_secret') }}", token_url: "{{ get_variable('token_url') }}", scope: 'read' }
}
const jbConfig = (config: Record<string, unknown> = {}): unknown => ({
  type: 'oauth_jwt_bearer',
  config: {
    client_id: 'conduit-jb',
    private_key: "{{ get_secret('ec_pem') }}",
    token_url: TOKEN_URL,
    subject: '{{ user.email }}',
    audience: TOKEN_URL,
    algorithm: 'ES256',
    additional_claims: { scope: 'read', tenant: '{{ tenant_id }}' },
    jwt_headers: { kid: 'ec-1' },
    ...config
  }
})
const countGrant = (grant: string): number => tokenRequests.filter(r => r.grant_type === grant).length

// ---------------------------------------------------------------------------------------------
t.test('none adds nothing', async t => {
  const def = compile(undefined)
  t.same(await authenticate(def, depsWith()), { headers: {}, query: [] })
})

t.test('api_key in a header and in the query reach the upstream', async t => {
  const header = compile({ type: 'api_key', config: { key: "{{ get_variable('header_name') }}", value: "Token {{ get_secret('api_key') }}" } })
  const h = await authenticate(header, depsWith())
  t.same(h, { headers: { 'X-Api-Key': 'Token ak-9f8e7d6c5b4a' }, query: [] })
  t.equal((await callUpstream('/echo', h)).body.headers['x-api-key'], 'Token ak-9f8e7d6c5b4a')

  const query = compile({ type: 'apikey', config: { key: 'appid', value: "{{ get_secret('api_key') }}", in: 'query' } })
  const q = await authenticate(query, depsWith())
  t.same(q, { headers: {}, query: [['appid', 'ak-9f8e7d6c5b4a']] })
  t.same((await callUpstream('/echo', q)).body.query, [['appid', 'ak-9f8e7d6c5b4a']])
})

t.test('api_key rendering an unusable header name or value is a render error', async t => {
  const bad = compile({ type: 'api_key', config: { key: "{{ get_variable('bad_header') }}", value: "{{ get_secret('api_key') }}" } })
  assertError(t, await failure(authenticate(bad, depsWith())), 'TEMPLATE_RENDER_ERROR', 422, 'Configuration (template rendering)',
    /authentication\.config\.key did not render a valid HTTP header name/)
  const crlf = compile({ type: 'api_key', config: { key: 'X-Key', value: "{{ get_secret('api_key') }}\r\nX-Evil: 1" } })
  assertError(t, await failure(authenticate(crlf, depsWith())), 'TEMPLATE_RENDER_ERROR', 422, 'Configuration (template rendering)',
    /authentication\.config\.value rendered a header value containing a line break/)
})

t.test('oauth_client_credentials: Conduit obtains a token and the upstream verifies it', async t => {
  const before = countGrant('client_credentials')
  const outcome = await authenticate(compile(CC), depsWith())
  t.match(outcome.headers.authorization, /^Bearer ey/)
  t.type(outcome.tokenCacheKey, 'string')
  t.equal(countGrant('client_credentials'), before + 1)
  const sent = tokenRequests[tokenRequests.length - 1]
  t.same(sent, { grant_type: 'client_credentials', client_id: 'conduit-cc', client_secret: CC_SECRET, scope: 'read' })
  const res = await callUpstream('/oauth', outcome)
  t.equal(res.status, 200)
  t.equal(res.body.claims.client_id, 'conduit-cc')
  t.equal(res.body.claims.scope, 'read')
})

t.test('oauth_client_credentials: 100 concurrent calls make exactly one token request', async t => {
  const deps = depsWith()
  const def = compile(CC)
  const before = countGrant('client_credentials')
  const outcomes = await Promise.all(Array.from({ length: 100 }, async () => await authenticate(def, deps)))
  t.equal(countGrant('client_credentials'), before + 1)
  t.equal(new Set(outcomes.map(o => o.headers.authorization)).size, 1)
  t.equal((await callUpstream('/oauth', outcomes[99])).status, 200)
})

t.test('oauth_client_credentials: the token is shared by connectors with the same credentials', async t => {
  const deps = depsWith()
  const before = countGrant('client_credentials')
  const a = await authenticate(compile(CC), deps)
  const b = await authenticate(compile({ ...CC, config: { ...CC.config, token_url: TOKEN_URL } }), deps)
  t.equal(a.headers.authorization, b.headers.authorization)
  t.equal(a.tokenCacheKey, b.tokenCacheKey)
  t.equal(countGrant('client_credentials'), before + 1)
  const other = await authenticate(compile({ ...CC, config: { ...CC.config, scope: 'write' } }), deps)
  t.not(other.tokenCacheKey, a.tokenCacheKey, 'another scope is another token')
  t.equal(countGrant('client_credentials'), before + 2)
  t.equal((await callUpstream('/oauth', other)).body.claims.scope, 'write')
})

t.test('oauth_client_credentials: expiry (expires_in − 60 s) triggers a new token request', async t => {
  const deps = depsWith()
  const def = compile(CC)
  const before = countGrant('client_credentials')
  const first = await authenticate(def, deps)
  advance(539) // expires_in is 600
  t.equal((await authenticate(def, deps)).headers.authorization, first.headers.authorization)
  t.equal(countGrant('client_credentials'), before + 1)
  advance(1)
  const second = await authenticate(def, deps)
  t.equal(countGrant('client_credentials'), before + 2)
  t.not(second.headers.authorization, first.headers.authorization)
  t.equal((await callUpstream('/oauth', second)).status, 200)
})

t.test('oauth_client_credentials: an upstream 401 evicts the token and the next call gets a new one', async t => {
  const deps = depsWith()
  const def = compile(CC)
  const first = await authenticate(def, deps)
  t.equal((await callUpstream('/oauth', first)).status, 200)
  revoked.add(first.headers.authorization.slice(7))
  const rejected = await callUpstream('/oauth', await authenticate(def, deps))
  t.equal(rejected.status, 401, 'the cached token is still used until evicted')
  // What the pipeline does on an upstream 401:
  deps.tokenCache.evict(first.tokenCacheKey as string)
  const before = countGrant('client_credentials')
  const second = await authenticate(def, deps)
  t.equal(countGrant('client_credentials'), before + 1)
  t.equal((await callUpstream('/oauth', second)).status, 200)
})

t.test('oauth_client_credentials: the authorization server refusing is 502 TOKEN_REQUEST_FAILED', async t => {
  const wrong = compile({ ...CC, config: { ...CC.config, client_secret: "{{ get_secret('api_key') }}" } })
  assertError(t, await failure(authenticate(wrong, depsWith())), 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)',
    new RegExp(`^Token request to ${AUTH_HOST} failed with status 401 \\(invalid_client\\)$`))
  const scope = compile({ ...CC, config: { ...CC.config, scope: 'admin' } })
  assertError(t, await failure(authenticate(scope, depsWith())), 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)',
    new RegExp(`^Token request to ${AUTH_HOST} failed with status 400 \\(invalid_scope\\)$`))
})

t.test('a token_url whose origin is a variable may render to http only with allowInsecure', async t => {
  const before = tokenRequests.length
  const deps = { ...depsWith(), allowInsecure: false }
  assertError(t, await failure(authenticate(compile(CC), deps)), 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)',
    new RegExp(`^Token request to ${AUTH_HOST} refused: the token_url renders to plain http, which is allowed only when the upstream\\.allowInsecure setting is on$`))
  t.equal(tokenRequests.length, before, 'nothing was sent')
  const literal = compile({ ...CC, config: { ...CC.config, token_url: TOKEN_URL } })
  t.match((await authenticate(literal, deps)).headers.authorization, /^Bearer /, 'a literal http token_url was allowed at load')
})

t.test('token endpoint failures of every kind are 502 TOKEN_REQUEST_FAILED and are not cached', async t => {
  let mode = ''
  const bad = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const send = (status: number, body: string, type = 'application/json'): void => { res.writeHead(status, { 'content-type': type }); res.end(body) }
      if (mode === '4xx') send(400, JSON.stringify({ error: 'invalid_request', echo: CC_SECRET }))
      else if (mode === '5xx') send(500, `internal error for ${CC_SECRET}`, 'text/plain')
      else if (mode === 'non-json') send(200, `<html>${CC_SECRET}</html>`, 'text/html')
      else if (mode === 'no-token') send(200, JSON.stringify({ token_type: 'Bearer', echo: CC_SECRET }))
      else if (mode === 'ok') send(200, JSON.stringify({ access_token: 'fine', expires_in: 3600 }))
      // mode 'timeout': never answers
    })
  })
  const base = await listen(bad)
  t.teardown(async () => { await close(bad) })
  const host = new URL(base).host
  const def = compile({ ...CC, config: { ...CC.config, token_url: `${base}/token` } })
  const deps = depsWith(new TokenCache({ clock }), 300)
  const cases: Array<[string, RegExp]> = [
    ['4xx', /failed with status 400 \(invalid_request\)$/],
    ['5xx', /failed with status 500$/],
    ['non-json', /returned a response that is not JSON \(status 200\)$/],
    ['no-token', /returned no access_token \(status 200\)$/],
    ['timeout', /timed out after 300 ms$/]
  ]
  for (const [m, detail] of cases) {
    mode = m
    const err = await failure(authenticate(def, deps))
    assertError(t, err, 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)', detail)
    t.match(err.detail, new RegExp(`^Token request to ${host} `), `${m}: names the token endpoint host`)
  }
  mode = 'ok'
  t.same((await authenticate(def, deps)).headers, { authorization: 'Bearer fine' }, 'a failure is not cached')

  const gone = createServer()
  const goneUrl = await listen(gone)
  await close(gone)
  const unreachable = compile({ ...CC, config: { ...CC.config, token_url: `${goneUrl}/token` } })
  assertError(t, await failure(authenticate(unreachable, deps)), 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)',
    new RegExp(`^Token request to ${new URL(goneUrl).host} failed: the token endpoint is unreachable$`))
})

t.test('token lifetimes: no expires_in is reused 300 s; expires_in under 60 s is never reused', async t => {
  const replies: unknown[] = []
  let served = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(replies[served++]))
    })
  })
  const base = await listen(server)
  t.teardown(async () => { await close(server) })
  const deps = depsWith()
  const def = compile({ ...CC, config: { ...CC.config, token_url: `${base}/token` } })

  replies.push({ access_token: 'no-expiry-1' }, { access_token: 'no-expiry-2' })
  t.equal((await authenticate(def, deps)).headers.authorization, 'Bearer no-expiry-1')
  advance(299)
  t.equal((await authenticate(def, deps)).headers.authorization, 'Bearer no-expiry-1')
  advance(1)
  t.equal((await authenticate(def, deps)).headers.authorization, 'Bearer no-expiry-2')
  t.equal(served, 2)

  const short = compile({ ...CC, config: { ...CC.config, token_url: `${base}/token`, scope: 'short' } })
  replies.push({ access_token: 'short-1', expires_in: 45 }, { access_token: 'short-2', expires_in: 45 })
  t.equal((await authenticate(short, deps)).headers.authorization, 'Bearer short-1')
  t.equal((await authenticate(short, deps)).headers.authorization, 'Bearer short-2')
  t.equal(served, 4)
})

t.test('jwt: every algorithm signs a token the upstream verifies with the matching public key', async t => {
  const exp = String(Math.floor(Date.now() / 1000) + 300)
  for (const alg of JWT_ALGORITHMS) {
    const def = compile({
      type: 'jwt',
      config: {
        private_key: `{{ get_secret('key_${alg}') }}`,
        algorithm: alg,
        claims: { iss: "{{ get_variable('issuer') }}", sub: '{{ user.id }}', email: '{{ user.email }}', tenant: '{{ tenant_id }}', exp: "{{ get_variable('exp') }}" },
        jwt_headers: { kid: "{{ get_variable('kid') }}" }
      }
    })
    const ctx = context()
    const outcome = await authenticate(def, depsWith(), { ...ctx, variables: { ...ctx.variables, exp } })
    t.notOk('tokenCacheKey' in outcome, `${alg}: nothing cached`)
    const res = await callUpstream(`/jwt?alg=${alg}`, outcome)
    t.equal(res.status, 200, `${alg} verified: ${JSON.stringify(res.body)}`)
    t.same(res.body.claims, { iss: 'conduit-tests', sub: 'u-42', email: 'ada@example.com', tenant: 'tenant-1', exp: Number(exp) }, `${alg} claims`)
    t.same(res.body.header, { typ: 'JWT', kid: 'key-2024', alg }, `${alg} header`)
  }
})

t.test('jwt: a fresh token is signed for every request from that request\'s context', async t => {
  const def = compile({ type: 'jwt', config: { private_key: "{{ get_secret('key_ES256') }}", algorithm: 'ES256', claims: { iss: 'conduit-tests', sub: '{{ user.id }}' } } })
  const deps = depsWith()
  const ada = await callUpstream('/jwt?alg=ES256', await authenticate(def, deps))
  const other = context({ user: { id: 'u-7', email: null, first_name: null, last_name: null, username: null, profile_fields: null } })
  const bob = await callUpstream('/jwt?alg=ES256', await authenticate(def, deps, other))
  t.equal(ada.body.claims.sub, 'u-42')
  t.equal(bob.body.claims.sub, 'u-7')
})

t.test('jwt: a key that cannot sign is 422 JWT_SIGNING_ERROR', async t => {
  const cases: Array<[string, string, RegExp]> = [
    ['not_a_key', 'RS256', /The private key for RS256 could not be read/],
    ['ec_pem', 'RS256', /The private key cannot sign RS256: it is an EC key on curve P-256/],
    ['rsa_pkcs1', 'ES256', /cannot sign ES256: it is an RSA key of 2048 bits/]
  ]
  for (const [secret, alg, detail] of cases) {
    const def = compile({ type: 'jwt', config: { private_key: `{{ get_secret('${secret}') }}`, algorithm: alg, claims: { sub: 'x' } } })
    assertError(t, await failure(authenticate(def, depsWith())), 'JWT_SIGNING_ERROR', 422, 'Authentication (JWT signing)', detail)
  }
})

t.test('oauth_jwt_bearer: the server verifies the assertion and the upstream verifies the token', async t => {
  const deps = depsWith()
  const def = compile(jbConfig())
  const before = countGrant(JWT_BEARER_GRANT)
  const outcome = await authenticate(def, deps)
  t.equal(countGrant(JWT_BEARER_GRANT), before + 1)
  const sent = tokenRequests[tokenRequests.length - 1]
  t.same(Object.keys(sent).sort(), ['assertion', 'grant_type'], 'RFC 7523 form: grant_type and assertion only')

  const { payload, header } = assertions[assertions.length - 1]
  t.equal(payload.iss, 'conduit-jb')
  t.equal(payload.sub, 'ada@example.com')
  t.equal(payload.aud, TOKEN_URL)
  t.equal(payload.scope, 'read')
  t.equal(payload.tenant, 'tenant-1')
  t.equal((payload.exp as number) - (payload.iat as number), 180)
  t.ok(Math.abs((payload.iat as number) - clock() / 1000) <= 2, 'iat is now')
  t.type(payload.jti, 'string')
  t.same(header, { typ: 'JWT', kid: 'ec-1', alg: 'ES256' })

  const res = await callUpstream('/oauth', outcome)
  t.equal(res.status, 200)
  t.equal(res.body.claims.client_id, 'conduit-jb')
  t.equal(res.body.claims.assertion_sub, 'ada@example.com')

  const all = await Promise.all(Array.from({ length: 100 }, async () => await authenticate(def, deps)))
  t.equal(countGrant(JWT_BEARER_GRANT), before + 1, 'cached: no further token request')
  t.ok(all.every(o => o.headers.authorization === outcome.headers.authorization))
})

t.test('oauth_jwt_bearer: RS256 with a PKCS#1 key; 100 concurrent misses make one token request', async t => {
  const def = compile(jbConfig({ private_key: "{{ get_secret('rsa_pkcs1') }}", algorithm: 'RS256', jwt_headers: { kid: 'rsa-1' } }))
  const before = countGrant(JWT_BEARER_GRANT)
  const deps = depsWith()
  const outcomes = await Promise.all(Array.from({ length: 100 }, async () => await authenticate(def, deps)))
  t.equal(countGrant(JWT_BEARER_GRANT), before + 1)
  t.equal(new Set(outcomes.map(o => o.headers.authorization)).size, 1)
  t.equal(assertions[assertions.length - 1].header.alg, 'RS256')
  t.equal((await callUpstream('/oauth', outcomes[0])).status, 200)
})

t.test('oauth_jwt_bearer: the token is cached token_ttl − 60 s, and a 401 evicts it', async t => {
  const deps = depsWith()
  const def = compile(jbConfig({ token_ttl: 300 }))
  const before = countGrant(JWT_BEARER_GRANT)
  const first = await authenticate(def, deps)
  advance(239)
  t.equal((await authenticate(def, deps)).headers.authorization, first.headers.authorization)
  t.equal(countGrant(JWT_BEARER_GRANT), before + 1)
  advance(1)
  const second = await authenticate(def, deps)
  t.equal(countGrant(JWT_BEARER_GRANT), before + 2, 'expired after 240 s')
  t.not(second.headers.authorization, first.headers.authorization)
  t.ok(Math.abs((assertions[assertions.length - 1].payload.iat as number) - clock() / 1000) <= 2, 'a new assertion at the new time')

  revoked.add(second.headers.authorization.slice(7))
  t.equal((await callUpstream('/oauth', second)).status, 401)
  deps.tokenCache.evict(second.tokenCacheKey as string)
  const third = await authenticate(def, deps)
  t.equal(countGrant(JWT_BEARER_GRANT), before + 3)
  t.equal((await callUpstream('/oauth', third)).status, 200)
})

t.test('oauth_jwt_bearer: an assertion the server cannot verify is 502 TOKEN_REQUEST_FAILED', async t => {
  const def = compile(jbConfig({ private_key: "{{ get_secret('stranger_pem') }}" }))
  assertError(t, await failure(authenticate(def, depsWith())), 'TOKEN_REQUEST_FAILED', 502, 'Authentication (token request)',
    new RegExp(`^Token request to ${AUTH_HOST} failed with status 400 \\(invalid_grant\\)$`))
})

t.test('oauth_jwt_bearer: a key that cannot sign is 422 JWT_SIGNING_ERROR and no token request is made', async t => {
  const before = tokenRequests.length
  const def = compile(jbConfig({ private_key: "{{ get_secret('rsa_pkcs1') }}", algorithm: 'ES256' }))
  assertError(t, await failure(authenticate(def, depsWith())), 'JWT_SIGNING_ERROR', 422, 'Authentication (JWT signing)',
    /cannot sign ES256: it is an RSA key/)
  t.equal(tokenRequests.length, before)
})

t.test('a template that fails to render is 422 TEMPLATE_RENDER_ERROR naming the field', async t => {
  const def = compile({ type: 'jwt', config: { private_key: "{{ get_secret('hmac') }}", algorithm: 'HS256', claims: { sub: 'x', n: '{{ 1 / 0 }}' } } })
  const err = await failure(Promise.resolve().then(() => renderAuthentication(def, context())))
  assertError(t, err, 'TEMPLATE_RENDER_ERROR', 422, 'Configuration (template rendering)', /^Error rendering authentication\.config\.claims\.n: division by zero/)
})

t.test('a render error never quotes a secret value, whole or transformed (SPEC §4.6)', async t => {
  const def = compile({ type: 'jwt', config: { private_key: "{{ get_secret('hmac') }}", algorithm: 'HS256', claims: { n: "{{ {'a': 1}[get_secret('api_key')].x }}" } } })
  const err = await failure(Promise.resolve().then(() => renderAuthentication(def, context())))
  assertError(t, err, 'TEMPLATE_RENDER_ERROR', 422, 'Configuration (template rendering)', /^Error rendering authentication\.config\.claims\.n: 'dict object' has no such attribute or item \(line 1, column \d+\)$/)
  t.notOk(err.detail.includes(SECRETS.api_key))
  t.notOk(err.detail.includes('[REDACTED]'), 'nothing to scrub: the message is built without the key')
})

t.test('a missing secret renders as its own template text (SPEC §4.4)', async t => {
  const def = compile({ type: 'api_key', config: { key: 'X-Key', value: "{{ get_secret('api_kye') }}" } })
  t.same(await authenticate(def, depsWith()), { headers: { 'X-Key': "{{ get_secret('api_kye') }}" }, query: [] })
})

t.test('secret and variable names of every type', async t => {
  t.same(authSecretNames(compile(undefined)), [])
  t.same(authSecretNames(compile(CC)), ['cc_secret'])
  t.same(authVariableNames(compile(CC)), ['token_url'])
  const jwt = compile({
    type: 'jwt',
    config: { private_key: "{{ get_secret('hmac') }}", algorithm: 'HS256', claims: { iss: "{{ get_variable('issuer') }}", k: "{{ get_secret('api_key') }}" }, jwt_headers: { kid: "{{ get_variable('kid') }}" } }
  })
  t.same(authSecretNames(jwt), ['hmac', 'api_key'])
  t.same(authVariableNames(jwt), ['issuer', 'kid'])
  const jb = compile(jbConfig({ client_id: "{{ get_secret('api_key') }}", subject: "{{ get_variable('issuer') }}", additional_claims: { x: "{{ get_secret('api_key') }}" } }))
  t.same(authSecretNames(jb), ['api_key', 'ec_pem'])
  t.same(authVariableNames(jb), ['issuer'])
  t.same(authSecretNames(compile({ type: 'api_key', config: { key: 'k', value: "{{ get_secret('api_key') }}" } })), ['api_key'])
})

t.test('renderAuthentication renders every template with the request context', async t => {
  const rendered = renderAuthentication(compile(jbConfig({ token_ttl: 120 })), context())
  t.same(rendered, {
    type: 'oauth_jwt_bearer',
    client_id: 'conduit-jb',
    private_key: EC_PEM,
    token_url: TOKEN_URL,
    subject: 'ada@example.com',
    audience: TOKEN_URL,
    token_ttl: 120,
    algorithm: 'ES256',
    additional_claims: { scope: 'read', tenant: 'tenant-1' },
    jwt_headers: { kid: 'ec-1' }
  })
})

t.test('X-Debug-Request view: credentials and claims masked, get_secret fields as template text', async t => {
  const noSecrets = context({ secrets: {} })
  t.same(debugAuthentication(compile(undefined), noSecrets), { type: 'none' })
  t.same(debugAuthentication(compile({ type: 'api_key', config: { key: "{{ get_variable('header_name') }}", value: "{{ get_secret('api_key') }}", in: 'query' } }), noSecrets),
    { type: 'api_key', config: { key: 'X-Api-Key', value: DEBUG_MASK, in: 'query' } })
  t.same(debugAuthentication(compile(CC), noSecrets), {
    type: 'oauth_client_credentials',
    config: { client_id: 'conduit-cc', client_secret: DEBUG_MASK, token_url: TOKEN_URL, scope: 'read' }
  })
  t.same(debugAuthentication(compile({
    type: 'jwt', config: { private_key: "{{ get_secret('hmac') }}", algorithm: 'HS384', claims: { sub: '{{ user.id }}' }, jwt_headers: { kid: "{{ get_variable('kid') }}" } }
  }), noSecrets), { type: 'jwt', config: { private_key: DEBUG_MASK, algorithm: 'HS384', claims: DEBUG_MASK, jwt_headers: { kid: 'key-2024' } } })
  t.same(debugAuthentication(compile(jbConfig({ client_id: "{{ get_secret('api_key') }}" })), noSecrets), {
    type: 'oauth_jwt_bearer',
    config: {
      client_id: "{{ get_secret('api_key') }}",
      private_key: DEBUG_MASK,
      token_url: TOKEN_URL,
      subject: 'ada@example.com',
      audience: TOKEN_URL,
      token_ttl: 3600,
      algorithm: 'ES256',
      additional_claims: DEBUG_MASK,
      jwt_headers: { kid: 'ec-1' }
    }
  })
})

t.test('X-Debug-Request view never shows a secret, even when handed a context that has them', async t => {
  const withSecrets = context()
  const defs = [
    compile({ type: 'api_key', config: { key: 'X-Key', value: "{{ get_secret('api_key') }}" } }),
    compile({ ...CC, config: { ...CC.config, client_id: "id-{{ get_secret('api_key') }}" } }),
    compile({ type: 'jwt', config: { private_key: "{{ get_secret('hmac') }}", algorithm: 'HS256', claims: { s: "{{ get_secret('cc_secret') }}" }, jwt_headers: { x: "{{ get_secret('api_key') }}" } } }),
    compile(jbConfig({ subject: "{{ get_secret('cc_secret') }}" }))
  ]
  for (const def of defs) {
    const view = JSON.stringify(debugAuthentication(def, withSecrets))
    assertNoLeak(t, view, `debug view of ${def.type}`)
    const viaRenderer = JSON.stringify(debugAuthentication(def, (tpl) => tpl.render({ ...withSecrets, secrets: {} })))
    assertNoLeak(t, viaRenderer, `debug view of ${def.type} (renderer)`)
  }
  t.ok(observed.length > 0)
})

t.test('no error or debug view produced in this file contains a credential or an issued token', async t => {
  const issued = [...revoked]
  t.ok(issued.length >= 2)
  const secrets = [...issued, ...CREDENTIALS]
  for (const text of observed) t.same(secrets.filter(s => text.includes(s)).length, 0, 'nothing sensitive')
  t.ok(observed.length >= 20, `checked ${observed.length} observed texts`)
})
