import t from 'tap'
import type { Test } from 'tap'
import { compileAuthentication } from '../../src/auth/compile.js'
import type { AuthCompileContext, AuthProblem } from '../../src/auth/compile.js'
import type { AuthDefinition } from '../../src/auth/types.js'

const STRICT: AuthCompileContext = { allowInsecure: false, allowPrivateNetworks: false }
const LOOSE: AuthCompileContext = { allowInsecure: true, allowPrivateNetworks: true }

const SECRET = (name: string): string => `{{ get_secret('${name}') }}`

function ok (t: Test, raw: unknown, ctx = STRICT): AuthDefinition {
  const r = compileAuthentication(raw, ctx)
  t.same(r.problems, [], 'no problems')
  if (r.definition === undefined) throw new Error('no definition')
  return r.definition
}

function problems (raw: unknown, ctx = STRICT): AuthProblem[] {
  const r = compileAuthentication(raw, ctx)
  if (r.problems.length > 0) {
    if (r.definition !== undefined) throw new Error('a definition was returned despite problems')
  }
  return r.problems
}

/** The single problem of `field`. */
function problemAt (t: Test, raw: unknown, field: string, message: RegExp, ctx = STRICT): void {
  const found = problems(raw, ctx).filter(p => p.field === field)
  t.equal(found.length, 1, `one problem at ${field}`)
  t.match(found[0]?.message, message, field)
}

const cc = (config: Record<string, unknown>): unknown => ({
  type: 'oauth_client_credentials',
  config: { client_id: 'conduit', client_secret: SECRET('cs'), token_url: 'https://auth.example.com/oauth/token', ...config }
})
const jwtBearer = (config: Record<string, unknown>): unknown => ({
  type: 'oauth_jwt_bearer',
  config: {
    client_id: 'svc@example.com',
    private_key: SECRET('pk'),
    token_url: 'https://auth.example.com/token',
    subject: '{{ user.email }}',
    audience: 'https://auth.example.com/token',
    ...config
  }
})

t.test('missing authentication and type none mean no authentication', async t => {
  t.same(ok(t, undefined), { type: 'none' })
  t.same(ok(t, null), { type: 'none' })
  t.same(ok(t, { type: 'none' }), { type: 'none' })
  t.same(ok(t, { type: 'none', config: {} }), { type: 'none' })
})

t.test('api_key: header by default, query when asked, apikey alias accepted', async t => {
  const def = ok(t, { type: 'api_key', config: { key: 'X-Api-Key', value: SECRET('weather_key') } })
  if (def.type !== 'api_key') throw new Error('type')
  t.equal(def.in, 'header')
  t.equal(def.key.source, 'X-Api-Key')
  t.same(def.value.secretNames, ['weather_key'])
  const q = ok(t, { type: 'apikey', config: { key: 'appid', value: SECRET('k'), in: 'query' } })
  t.equal(q.type, 'api_key')
  t.equal(q.type === 'api_key' && q.in, 'query')
})

t.test('oauth_client_credentials compiles every field', async t => {
  const def = ok(t, cc({ client_id: "{{ get_variable('client_id') }}", scope: 'read write' }))
  if (def.type !== 'oauth_client_credentials') throw new Error('type')
  t.same(def.client_id.variableNames, ['client_id'])
  t.same(def.client_secret.secretNames, ['cs'])
  t.equal(def.token_url.source, 'https://auth.example.com/oauth/token')
  t.equal(def.scope?.source, 'read write')
  t.equal(def.client_id.kind, 'auth')
  const noScope = ok(t, cc({}))
  t.notOk('scope' in noScope)
})

t.test('jwt: default RS256, claims and headers compiled, algorithm names case-insensitive', async t => {
  const def = ok(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: { sub: '{{ user.id }}', exp: 1700000000 }, jwt_headers: { kid: 'k1' } } })
  if (def.type !== 'jwt') throw new Error('type')
  t.equal(def.algorithm, 'RS256')
  t.same(Object.keys(def.claims), ['sub', 'exp'])
  t.equal(def.claims.exp.source, '1700000000')
  t.equal(def.jwt_headers?.kid.source, 'k1')
  const es = ok(t, { type: 'jwt', config: { private_key: SECRET('pk'), algorithm: 'es384', claims: {} } })
  t.equal(es.type === 'jwt' && es.algorithm, 'ES384')
  const ed = ok(t, { type: 'jwt', config: { private_key: SECRET('pk'), algorithm: 'EdDSA', claims: {} } })
  t.equal(ed.type === 'jwt' && ed.algorithm, 'EdDSA')
})

t.test('oauth_jwt_bearer: defaults token_ttl 3600 and RS256; numbers and numeric strings for token_ttl', async t => {
  const def = ok(t, jwtBearer({ additional_claims: { scope: 'https://api.example.com/read' } }))
  if (def.type !== 'oauth_jwt_bearer') throw new Error('type')
  t.equal(def.token_ttl, 3600)
  t.equal(def.algorithm, 'RS256')
  t.equal(def.subject.source, '{{ user.email }}')
  t.equal(def.additional_claims?.scope.source, 'https://api.example.com/read')
  const ttl = ok(t, jwtBearer({ token_ttl: 900, algorithm: 'PS256' }))
  t.equal(ttl.type === 'oauth_jwt_bearer' && ttl.token_ttl, 900)
  t.equal(ttl.type === 'oauth_jwt_bearer' && ttl.algorithm, 'PS256')
  const ttlString = ok(t, jwtBearer({ token_ttl: '1800' }))
  t.equal(ttlString.type === 'oauth_jwt_bearer' && ttlString.token_ttl, 1800)
})

t.test('composite steps compile with the step_auth field kind', async t => {
  const def = ok(t, { type: 'api_key', config: { key: 'X-Key', value: SECRET('k') } }, { ...STRICT, fieldKind: 'step_auth' })
  t.equal(def.type === 'api_key' && def.value.kind, 'step_auth')
})

t.test('the authentication object itself and its type', async t => {
  problemAt(t, 'bearer', '', /authentication must be an object \{ type, config \}, not a string/)
  problemAt(t, [], '', /not an array/)
  problemAt(t, { config: {} }, 'type', /type is required; use one of none, api_key, oauth_client_credentials, jwt, oauth_jwt_bearer/)
  problemAt(t, { type: 'basic' }, 'type', /type "basic" is not supported; use one of none, api_key/)
  problemAt(t, { type: 7 }, 'type', /type 7 is not supported/)
  problemAt(t, { type: 'api_key' }, 'config', /config is required for authentication type api_key/)
  problemAt(t, { type: 'jwt', config: 'x' }, 'config', /config must be an object, not a string/)
})

t.test('credential fields must be get_secret() references', async t => {
  problemAt(t, { type: 'api_key', config: { key: 'X-Key', value: 'abc123' } }, 'config.value',
    /value must be a get_secret\(\) reference, not a literal value \(e\.g\. "\{\{ get_secret\('my_value'\) \}\}"\)/)
  problemAt(t, { type: 'api_key', config: { key: 'X-Key', value: "{{ get_variable('k') }}" } }, 'config.value', /get_secret\(\) reference/)
  problemAt(t, cc({ client_secret: 's3cr3t' }), 'config.client_secret', /client_secret must be a get_secret\(\) reference/)
  problemAt(t, { type: 'jwt', config: { private_key: '-----BEGIN PRIVATE KEY-----', claims: {} } }, 'config.private_key', /private_key must be a get_secret\(\) reference/)
  problemAt(t, jwtBearer({ private_key: 'literal' }), 'config.private_key', /private_key must be a get_secret\(\) reference/)
  const withPrefix = ok(t, { type: 'api_key', config: { key: 'Authorization', value: `Token ${SECRET('k')}` } })
  t.equal(withPrefix.type, 'api_key', 'a literal around a secret reference is fine')
})

t.test('required fields, wrong types and bad enumerations', async t => {
  problemAt(t, { type: 'api_key', config: { value: SECRET('k') } }, 'config.key', /key is required for this authentication type/)
  problemAt(t, { type: 'api_key', config: { key: 'k' } }, 'config.value', /value is required/)
  problemAt(t, { type: 'api_key', config: { key: 'k', value: SECRET('k'), in: 'body' } }, 'config.in', /in must be 'header' or 'query', not "body"/)
  problemAt(t, { type: 'api_key', config: { key: 42, value: SECRET('k') } }, 'config.key', /key must be a string template, not a number/)
  problemAt(t, cc({ client_id: '' }), 'config.client_id', /client_id is required/)
  problemAt(t, cc({ token_url: undefined }), 'config.token_url', /token_url is required/)
  problemAt(t, cc({ scope: ['read'] }), 'config.scope', /scope must be a string template, not an array/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk') } }, 'config.claims', /claims is required for this authentication type \(an object of claim templates\)/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: 'sub=1' } }, 'config.claims', /claims must be an object whose values are string templates, not a string/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: { roles: ['a'] } } }, 'config.claims.roles', /claims\.roles must be a string template, not an array/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: { sub: 42 } } }, 'config.claims.sub', /claims\.sub must be a string template, not a number/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: {}, jwt_headers: { kid: 1 } } }, 'config.jwt_headers.kid', /jwt_headers\.kid must be a string template/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: {}, algorithm: 'none' } }, 'config.algorithm',
    /algorithm 'none' is not supported; use one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512, EdDSA/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: {}, algorithm: 256 } }, 'config.algorithm', /algorithm must be a string, not a number/)
  problemAt(t, { type: 'jwt', config: { private_key: SECRET('pk'), claims: {}, jwt_headers: { crit: 'exp' } } }, 'config.jwt_headers.crit', /jwt_headers\.crit is not supported/)
  problemAt(t, jwtBearer({ jwt_headers: { b64: 'false' } }), 'config.jwt_headers.b64', /jwt_headers\.b64 is not supported/)
  problemAt(t, jwtBearer({ subject: undefined }), 'config.subject', /subject is required/)
  problemAt(t, jwtBearer({ audience: '' }), 'config.audience', /audience is required/)
  for (const ttl of [0, -5, 1.5, 'abc', '10m', true]) {
    problemAt(t, jwtBearer({ token_ttl: ttl }), 'config.token_ttl', /token_ttl must be a positive whole number of seconds/)
  }
  problemAt(t, jwtBearer({ algorithm: 'RS1' }), 'config.algorithm', /algorithm 'RS1' is not supported/)
  problemAt(t, jwtBearer({ additional_claims: 'x' }), 'config.additional_claims', /additional_claims must be an object/)
})

t.test('every problem of a definition is reported at once', async t => {
  const found = problems({ type: 'oauth_jwt_bearer', config: { private_key: 'pem', token_url: 'ftp://x', algorithm: 'XX', token_ttl: -1 } })
  t.same(found.map(p => p.field).sort(), [
    'config.algorithm', 'config.audience', 'config.client_id', 'config.private_key', 'config.subject', 'config.token_ttl', 'config.token_url'
  ])
})

t.test('token_url: https only (http with allowInsecure), literal scheme, no secrets', async t => {
  problemAt(t, cc({ token_url: 'http://auth.example.com/token' }), 'config.token_url',
    /token_url must use https: plain http is allowed only when the upstream\.allowInsecure setting is on/)
  ok(t, cc({ token_url: 'http://auth.example.com/token' }), { ...STRICT, allowInsecure: true })
  problemAt(t, cc({ token_url: 'ftp://auth.example.com/token' }), 'config.token_url', /token_url must use https, not 'ftp'/)
  problemAt(t, cc({ token_url: '/oauth/token' }), 'config.token_url', /token_url must be an absolute https:\/\/ URL with a literal scheme/)
  problemAt(t, cc({ token_url: "{{ get_variable('scheme') }}://auth.example.com" }), 'config.token_url', /a get_variable\(\) origin must be followed by/)
  problemAt(t, cc({ token_url: 'https:///token' }), 'config.token_url', /token_url has no host/)
  problemAt(t, cc({ token_url: 'https://exa mple.com/token' }), 'config.token_url', /token_url is not a valid URL/)
  problemAt(t, cc({ token_url: `https://auth.example.com/token?key=${SECRET('k')}` }), 'config.token_url',
    /get_secret\(\) is not allowed in token_url: the token endpoint address appears in error details/)
  problemAt(t, cc({ token_url: "{{ get_variable('auth_base') }}.evil.com/token" }), 'config.token_url',
    /a get_variable\(\) origin must be followed by '\/', '\?' or nothing/)
  problemAt(t, cc({ token_url: "{{ get_variable('auth_base') | default('http://auth.example.com') }}/token" }), 'config.token_url',
    /default\(\): token_url must use https: plain http is allowed only when/)
  problemAt(t, cc({ token_url: "{{ get_variable('auth_base') | default('https://127.0.0.1') }}/token" }), 'config.token_url',
    /default\(\): token_url host '127\.0\.0\.1' is a local or private address/)
  problemAt(t, cc({ token_url: '{{ user.id }}/token' }), 'config.token_url', /literal scheme, or start with \{\{ get_variable\('name'\) \}\} as the whole origin/)
  for (const source of ["{{ get_variable('token_url') }}", "{{ get_variable('auth_base') }}/oauth/token", "{{ get_variable(\"auth_base\") | default('https://auth.example.com', true) }}/token"]) {
    const def = ok(t, cc({ token_url: source }))
    t.equal(def.type === 'oauth_client_credentials' && def.token_url.source, source, 'a variable as the whole origin')
  }
  for (const host of ['{{ user.id }}.example.com', "x{{ get_variable('h') }}.example.com", "{{ get_variable('h') ~ '.evil' }}.com"]) {
    problemAt(t, cc({ token_url: `https://${host}/token` }), 'config.token_url',
      /the host may only be templated with \{\{ get_variable\('name'\) \}\} as the whole host or one label of it/)
  }
  for (const host of ["auth.{{ get_variable('region') }}.example.com", "{{ get_variable('tenant') | default('eu') }}.auth.example.com:8443"]) {
    ok(t, cc({ token_url: `https://${host}/token` }))
  }
  const templated = ok(t, cc({ token_url: "https://{{ get_variable('auth_host') }}/oauth/token" }))
  t.equal(templated.type === 'oauth_client_credentials' && templated.token_url.variableNames[0], 'auth_host')
})

t.test('token_url: local and private literal hosts are refused unless allowPrivateNetworks', async t => {
  const hosts = ['localhost', 'LOCALHOST.', 'api.localhost', '127.0.0.1', '10.1.2.3', '192.168.0.10', '172.16.5.4',
    '169.254.169.254', '100.64.0.1', '0.0.0.0', '[::1]', '[fd00::1]', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1']
  for (const host of hosts) {
    problemAt(t, cc({ token_url: `https://${host}/token` }), 'config.token_url',
      /is a local or private address: token requests to it are blocked unless the upstream\.allowPrivateNetworks setting is on/)
    ok(t, cc({ token_url: `https://${host}:8443/token` }), { ...STRICT, allowPrivateNetworks: true })
  }
  ok(t, cc({ token_url: 'https://93.184.216.34/token' }))
  ok(t, cc({ token_url: 'http://127.0.0.1:9999/token' }), LOOSE)
})

t.test('template problems carry the field, line and column', async t => {
  const pathParams = problems(cc({ client_id: 'x-{{ pathParams.id }}' }))
  t.equal(pathParams.length, 1)
  t.equal(pathParams[0].field, 'config.client_id')
  t.match(pathParams[0].message, /pathParams/)
  t.equal(pathParams[0].line, 1)
  t.type(pathParams[0].column, 'number')
  const syntax = problems({ type: 'jwt', config: { private_key: SECRET('pk'), claims: { sub: 'a\n{{ user.id ' } } })
  t.equal(syntax.length, 1)
  t.equal(syntax[0].field, 'config.claims.sub')
  t.equal(syntax[0].line, 2)
  const body = problems(jwtBearer({ subject: '{{ body_text }}' }))
  t.same(body.map(p => p.field), ['config.subject'])
})

t.test('ignored input is reported as warnings, not problems', async t => {
  const unknown = compileAuthentication(cc({ grant: 'x', audience: 'y' }), STRICT)
  t.same(unknown.problems, [])
  t.same(unknown.warnings.map(w => w.field), ['config.grant', 'config.audience'])
  t.match(unknown.warnings[0].message, /unknown oauth_client_credentials setting 'grant' is ignored \(known: client_id, client_secret, token_url, scope\)/)

  const alg = compileAuthentication({ type: 'jwt', config: { private_key: SECRET('pk'), claims: {}, jwt_headers: { alg: 'none', kid: 'a' } } }, STRICT)
  t.same(alg.warnings.map(w => w.field), ['config.jwt_headers.alg'])
  const def = alg.definition
  t.same(def?.type === 'jwt' && Object.keys(def.jwt_headers ?? {}), ['kid'])

  const claims = compileAuthentication(jwtBearer({ additional_claims: { iss: 'x', aud: 'y', scope: 'z' } }), STRICT)
  t.same(claims.warnings.map(w => w.field), ['config.additional_claims.iss', 'config.additional_claims.aud'])
  const d = claims.definition
  t.same(d?.type === 'oauth_jwt_bearer' && Object.keys(d.additional_claims ?? {}), ['scope'])
})
