// End to end: `conduit serve` as a child process against loopback upstreams. One server process
// (allowPrivateNetworks on, so it can reach 127.0.0.1) shared by every subtest of this file.
import t from 'tap'
import type { Test } from 'tap'
import { SignJWT } from 'jose'
import { startConduit, startUpstream } from './fixtures/harness.js'
import type { Conduit, Reply, Upstream } from './fixtures/harness.js'

const SECRET = 'SUPER-secret-VALUE-7f3a9c'
const CALLER_KEY = 'host-app-shared-hmac-key-0123456789'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let upstream: Upstream
let conduit: Conduit
const seen: Reply[] = []

function registry (origin: string, extra: unknown[] = []): unknown {
  return {
    connectors: [
      {
        name: 'Echo get',
        url: `${origin}/echo`,
        headers: [
          { key: 'X-Fixed', value: 'configured' },
          { key: 'X-Free', value: 'free-default', overridable: true },
          { key: 'X-Raw', value: "{{ 'a%20b c' }}" },
          { key: 'Authorization', value: "Bearer {{ get_secret('api_token') }}" }
        ],
        query_parameters: [
          { key: 'fixed', value: '1' },
          { key: 'page', value: '1', overridable: true },
          { key: 'enc', value: 'a b&c=d/é' }
        ]
      },
      { name: 'Echo post', url: `${origin}/echo`, method: 'POST' },
      { name: 'Echo put', url: `${origin}/echo`, method: 'PUT' },
      { name: 'Echo patch', url: `${origin}/echo`, method: 'PATCH' },
      { name: 'Echo delete', url: `${origin}/echo`, method: 'DELETE' },
      { name: 'Echo head', url: `${origin}/echo`, method: 'HEAD' },
      { name: 'Echo options', url: `${origin}/echo`, method: 'OPTIONS' },
      {
        name: 'Post template',
        url: `${origin}/echo`,
        method: 'POST',
        request_body: '{"wrapped": {{ body_raw.name | tojson }}, "length": {{ body_text | length }}}'
      },
      {
        name: 'Path item',
        url: `${origin}/echo/items/{{ pathParams.id }}`,
        path_parameters: [{ key: 'id', overridable: true }]
      },
      {
        name: 'Path fixed',
        url: `${origin}/echo/fixed/{{ pathParams.id }}/{{ pathParams.free }}`,
        path_parameters: [{ key: 'id', value: 'configured' }, { key: 'free', value: 'dflt', overridable: true }]
      },
      { name: 'Needs user', url: `${origin}/echo`, headers: [{ key: 'X-User', value: '{{ user.email }}' }] },
      { name: 'Typo secret', url: `${origin}/echo`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }] },
      { name: 'Bad template', url: `${origin}/echo`, headers: [{ key: 'X-Bad', value: "{{ '{not json' | from_json }}" }] },
      { name: 'Bad response template', url: `${origin}/echo`, response_body: "{{ '{not json' | from_json }}" },
      {
        name: 'Response template',
        url: `${origin}/echo`,
        response_body: '{"path": {{ (response.body | from_json).path | tojson }}, "status": {{ response.status_code }}, "etag": {{ response.headers.etag | tojson }}}',
        response_content_type: 'application/vnd.test+json'
      },
      { name: 'Upstream 404', url: `${origin}/status/404` },
      { name: 'Upstream 404 templated', url: `${origin}/status/404`, response_body: 'status={{ response.status_code }} error={{ (response.body | from_json).error }}' },
      { name: 'Slow', url: `${origin}/slow`, timeout_ms: 300 },
      { name: 'Unreachable', url: 'http://127.0.0.1:1/nothing' },
      { name: 'Big', url: `${origin}/big` },
      { name: 'Big declared', url: `${origin}/big-declared` },
      { name: 'Big templated', url: `${origin}/big`, response_body: '{{ response.status_code }}' },
      { name: 'Text', url: `${origin}/text` },
      {
        name: 'Api key query',
        url: `${origin}/echo`,
        authentication: { type: 'api_key', config: { key: 'api_key', value: "{{ get_secret('api_token') }}", in: 'query' } }
      },
      { name: 'Unauthorized', url: `${origin}/unauthorized`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_token') }}" }] },
      {
        name: 'Jwt bad key',
        url: `${origin}/echo`,
        authentication: { type: 'jwt', config: { private_key: "{{ get_secret('bad_key') }}", algorithm: 'RS256', claims: { sub: 'x' } } }
      },
      {
        name: 'Oauth ok',
        url: `${origin}/echo/oauth`,
        authentication: { type: 'oauth_client_credentials', config: { client_id: 'cid', client_secret: "{{ get_secret('api_token') }}", token_url: `${origin}/token` } }
      },
      {
        name: 'Oauth failing',
        url: `${origin}/echo`,
        authentication: { type: 'oauth_client_credentials', config: { client_id: 'cid', client_secret: "{{ get_secret('api_token') }}", token_url: `${origin}/token-fail` } }
      },
      ...extra
    ],
    composite_connectors: [
      {
        name: 'Two steps',
        steps: [
          { name: 'first', url: `${origin}/echo/first`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_token') }}" }] },
          {
            name: 'second',
            url: `${origin}/echo/second/{{ request.query_parameters.id }}`,
            method: 'POST',
            request_body: '{"from_first": {{ (steps.first.body | from_json).path | tojson }}, "sent": {{ request.body_raw.n }}}',
            response_body: '{{ {"first": (steps.first.body | from_json).path, "second": (response.body | from_json).path} | tojson }}',
            response_content_type: 'application/json'
          }
        ]
      },
      { name: 'Failing step', steps: [{ name: 'only', url: `${origin}/status/404` }] }
    ]
  }
}

async function call (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const r = await conduit.call(method, path, { headers, body })
  seen.push(r)
  return r
}

async function callerToken (claims: Record<string, unknown>, issuer = 'host-app', key = CALLER_KEY): Promise<string> {
  return await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer).setExpirationTime('5m')
    .sign(new TextEncoder().encode(key))
}

function exec (permalink: string): string {
  return `/connectors/${permalink}/execute`
}

function last (prefix = '/echo'): { method: string, url: string, headers: Record<string, string | string[] | undefined>, body: string } {
  const all = upstream.to(prefix)
  return all[all.length - 1]
}

function assertEnvelope (t: Test, r: Reply, status: number, code: string): any {
  t.equal(r.status, status, `status ${status} for ${code}`)
  const body = r.json()
  t.equal(body.success, false)
  t.equal(body.errors.code, code)
  t.type(body.errors.detail, 'string')
  t.equal(body.request_id, r.headers['x-request-id'])
  t.notMatch(r.text, /\/work\/|node_modules|at .*\(.*:\d+:\d+\)/, 'no path or stack in the body')
  return body
}

function assertTiming (t: Test, r: Reply): void {
  t.ok(r.headers['x-request-id'], 'x-request-id')
  const st = r.headers['server-timing']
  t.match(st, /setup;dur=[\d.]+;desc="Setup"/)
  t.match(st, /transform;dur=[\d.]+;desc="Template"/)
  t.match(st, /cache;dur=[\d.]+;desc="Cache Miss"/)
  t.match(st, /external;dur=[\d.]+;desc="[^"]*"/)
  t.match(st, /total;dur=[\d.]+;desc="Total"/)
  const timing = JSON.parse(r.headers['x-connector-timing'])
  t.equal(timing.request_id, r.headers['x-request-id'])
  t.type(timing.total_ms, 'number')
  t.type(timing.breakdown.http_request_ms, 'number')
  t.equal(timing.cache_hit, false)
}

t.before(async () => {
  upstream = await startUpstream((req, res, _body) => {
    const url = req.url ?? ''
    if (url.startsWith('/echo')) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'session=abc',
        server: 'upstream/1.0',
        'x-ratelimit-remaining': '41',
        etag: '"v1"',
        'x-internal': 'hidden'
      })
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ ok: true, path: url.split('?')[0] }))
    } else if (url === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ access_token: 'access-1', token_type: 'Bearer', expires_in: 3600 }))
    } else if (url === '/token-fail') {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end('{"error":"server_error"}')
    } else if (url.startsWith('/status/404')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'nope' }))
    } else if (url.startsWith('/slow')) {
      setTimeout(() => { if (!res.destroyed) res.end('late') }, 3000).unref()
    } else if (url.startsWith('/big-declared')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '300000' })
      res.end(Buffer.alloc(300_000, 97))
    } else if (url.startsWith('/big')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.alloc(300_000, 97))
    } else if (url.startsWith('/text')) {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('hello')
    } else if (url.startsWith('/unauthorized')) {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end('{"error":"unauthorized"}')
    } else {
      res.writeHead(500)
      res.end()
    }
  })
  conduit = await startConduit({
    registry: registry(upstream.origin),
    env: {
      CONDUIT_UPSTREAM_MAX_RESPONSE_BYTES: '100000',
      CONDUIT_SERVER_BODY_LIMIT: '2048',
      CONDUIT_CALLERS_JWT_SECRET: CALLER_KEY,
      CONDUIT_CALLERS_JWT_ISSUER: 'host-app',
      CONDUIT_CALLERS_TENANT_ID: 'default-tenant'
    }
  })
  for (const [name, value] of [['api_token', SECRET], ['bad_key', 'not-a-pem-key']]) {
    const created = await conduit.admin('POST', '/admin/secrets', { name, value })
    if (created.status !== 201) throw new Error(`cannot create the secret: ${created.status} ${created.text}`)
  }
})

t.teardown(async () => {
  await conduit?.stop()
  await upstream?.close()
})

t.test('health endpoints need no auth', async t => {
  const h = await call('GET', '/healthz')
  t.equal(h.status, 200)
  t.same(h.json(), { status: 'ok' })
  const r = await call('GET', '/readyz')
  t.equal(r.status, 200)
})

t.test('merge rules of SPEC §2 on a GET', async t => {
  const r = await call('GET', exec('echo-get') + '?fixed=caller&page=5&extra=a%20b&extra=c', {
    'x-fixed': 'caller', 'x-free': 'mine', 'x-unconfigured': 'dropped', authorization: `Bearer ${await callerToken({ sub: 'u1' })}`
  })
  t.equal(r.status, 200)
  t.same(r.json(), { ok: true, path: '/echo' })
  const got = last()
  t.equal(got.method, 'GET')
  t.equal(got.headers['x-fixed'], 'configured', 'a fixed header ignores the caller')
  t.equal(got.headers['x-free'], 'mine', 'an overridable header takes the caller value')
  t.notOk('x-unconfigured' in got.headers, 'unconfigured caller headers are not forwarded')
  t.equal(got.headers['x-raw'], 'a%20b c', 'header values are sent as rendered')
  t.equal(got.headers.authorization, `Bearer ${SECRET}`, 'the secret reaches the upstream')
  t.equal(got.body, '', 'GET sends no body')
  const q = got.url.split('?')[1]
  t.equal(q, 'fixed=1&page=5&enc=a%20b%26c%3Dd%2F%C3%A9&extra=a%20b&extra=c', 'fixed wins, overridable taken, extras forwarded, values percent-encoded')

  const d = await call('GET', exec('echo-get'))
  t.equal(d.status, 200)
  const dflt = last()
  t.equal(dflt.headers['x-free'], 'free-default', 'an overridable row keeps its configured value when the caller sends none')
  t.equal(dflt.url, '/echo?fixed=1&page=1&enc=a%20b%26c%3Dd%2F%C3%A9')
})

t.test('response: upstream status, safe headers only, timing headers', async t => {
  const r = await call('GET', exec('echo-get'), { 'x-request-id': 'caller-req.id_1' })
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/json')
  t.equal(r.headers['x-ratelimit-remaining'], '41')
  t.equal(r.headers.etag, '"v1"')
  t.notOk('set-cookie' in r.headers)
  t.notOk('x-internal' in r.headers)
  t.not(r.headers.server, 'upstream/1.0')
  t.equal(r.headers['x-request-id'], 'caller-req.id_1', 'a valid caller request id is kept')
  assertTiming(t, r)
  t.match(r.headers['server-timing'], 'external;dur=')
  t.equal(JSON.parse(r.headers['x-connector-timing']).external_host, upstream.host)
  const fresh = await call('GET', exec('echo-get'), { 'x-request-id': 'bad id with spaces' })
  t.match(fresh.headers['x-request-id'], UUID)
})

t.test('bodies: POST forwards the payload text unchanged; other methods send none', async t => {
  const payload = '{ "name" : "Ada",  "n": [1, 2] }'
  const r = await call('POST', exec('echo-post'), { 'content-type': 'application/json' }, payload)
  t.equal(r.status, 200)
  t.equal(last().body, payload, 'payload text unchanged')
  t.equal(last().headers['content-type'], 'application/json')
  for (const [method, permalink] of [['PUT', 'echo-put'], ['PATCH', 'echo-patch']]) {
    const x = await call(method, exec(permalink), { 'content-type': 'application/json' }, '{"m":1}')
    t.equal(x.status, 200, method)
    t.equal(last().method, method)
    t.equal(last().body, '{"m":1}')
  }
  const del = await call('DELETE', exec('echo-delete'), { 'content-type': 'application/json' }, '{"ignored":true}')
  t.equal(del.status, 200)
  t.equal(last().method, 'DELETE')
  t.equal(last().body, '', 'DELETE never sends a body upstream')
  const head = await call('HEAD', exec('echo-head'))
  t.equal(head.status, 200)
  t.equal(last().method, 'HEAD')
  const opt = await call('OPTIONS', exec('echo-options'))
  t.equal(opt.status, 200)
  t.equal(last().method, 'OPTIONS')
  const tpl = await call('POST', exec('post-template'), { 'content-type': 'application/json' }, '{"name":"Ada"}')
  t.equal(tpl.status, 200)
  t.same(JSON.parse(last().body), { wrapped: 'Ada', length: 14 }, 'request template sees body_raw and body_text')
})

t.test('METHOD_NOT_ALLOWED, CONNECTOR_NOT_FOUND, NOT_FOUND', async t => {
  const m = await call('POST', exec('echo-get'))
  assertEnvelope(t, m, 400, 'METHOD_NOT_ALLOWED')
  assertTiming(t, m)
  const nf = await call('GET', exec('no-such-connector'))
  assertEnvelope(t, nf, 404, 'CONNECTOR_NOT_FOUND')
  assertTiming(t, nf)
  const route = await call('GET', '/no/such/route')
  assertEnvelope(t, route, 404, 'NOT_FOUND')
})

t.test('INVALID_REQUEST: bad JSON payload and an oversized X-Path-Params', async t => {
  const bad = await call('POST', exec('echo-post'), { 'content-type': 'application/json' }, '{"broken": ')
  assertEnvelope(t, bad, 400, 'INVALID_REQUEST')
  assertTiming(t, bad)
  const long = await call('GET', exec('path-item'), { 'x-path-params': 'id=' + 'x'.repeat(4100) })
  const body = assertEnvelope(t, long, 400, 'INVALID_REQUEST')
  t.match(body.errors.detail, /X-Path-Params/)
})

t.test('PAYLOAD_TOO_LARGE over server.bodyLimit', async t => {
  const r = await call('POST', exec('echo-post'), { 'content-type': 'application/json' }, JSON.stringify({ a: 'x'.repeat(3000) }))
  assertEnvelope(t, r, 413, 'PAYLOAD_TOO_LARGE')
  assertTiming(t, r)
})

t.test('path parameters: the table of SPEC §2', async t => {
  for (const value of ['42', 'user-42', 'USER_42', 'my.handle', 'a~b']) {
    const r = await call('GET', exec('path-item'), { 'x-path-params': new URLSearchParams({ id: value }).toString() })
    t.equal(r.status, 200, `accepted: ${value}`)
    t.equal(last('/echo/items').url, `/echo/items/${value}`)
  }
  for (const value of ['', 'has space', 'with/slash', 'with?q', '..', '%20', 'with#hash']) {
    const header = 'id=' + encodeURIComponent(value)
    const r = await call('GET', exec('path-item'), { 'x-path-params': header })
    const body = assertEnvelope(t, r, 400, 'INVALID_PATH_PARAMETERS')
    t.same(body.errors.params, ['id'], `rejected: ${JSON.stringify(value)} sent as ${header}`)
  }
  const plus = await call('GET', exec('path-item'), { 'x-path-params': 'id=has+space' })
  assertEnvelope(t, plus, 400, 'INVALID_PATH_PARAMETERS')
  const missing = await call('GET', exec('path-item'))
  const mb = assertEnvelope(t, missing, 400, 'MISSING_PATH_PARAMETERS')
  t.same(mb.errors.params, ['id'])
  assertTiming(t, missing)
  const other = await call('GET', exec('path-item'), { 'x-path-params': 'other=1' })
  assertEnvelope(t, other, 400, 'MISSING_PATH_PARAMETERS')
})

t.test('path parameters come from the caller only for overridable rows', async t => {
  const r = await call('GET', exec('path-fixed'), { 'x-path-params': 'id=evil&free=mine' })
  t.equal(r.status, 200)
  t.equal(last('/echo/fixed').url, '/echo/fixed/configured/mine')
  await call('GET', exec('path-fixed'))
  t.equal(last('/echo/fixed').url, '/echo/fixed/configured/dflt')
})

t.test('AUTHENTICATION_REQUIRED and INVALID_CALLER_TOKEN', async t => {
  const anon = await call('GET', exec('needs-user'))
  assertEnvelope(t, anon, 401, 'AUTHENTICATION_REQUIRED')
  assertTiming(t, anon)
  for (const token of [
    'not-a-jwt',
    await callerToken({ sub: 'u1' }, 'another-issuer'),
    await callerToken({ sub: 'u1' }, 'host-app', 'some-other-key-that-is-long-enough')
  ]) {
    const bad = await call('GET', exec('needs-user'), { authorization: `Bearer ${token}` })
    assertEnvelope(t, bad, 401, 'INVALID_CALLER_TOKEN')
    assertTiming(t, bad)
  }
  const good = await call('GET', exec('needs-user'), { authorization: `Bearer ${await callerToken({ sub: 'u1', email: 'ada@example.com' })}` })
  t.equal(good.status, 200)
  t.equal(last().headers['x-user'], 'ada@example.com')
  t.notOk('authorization' in last().headers, "the caller's token is not forwarded")
})

t.test('identity never comes from query, headers or payload', async t => {
  const r = await call('GET', exec('needs-user') + '?user.email=x@y.z&email=x@y.z', { 'x-user': 'x@y.z', 'x-user-email': 'x@y.z' })
  assertEnvelope(t, r, 401, 'AUTHENTICATION_REQUIRED')
})

t.test('a missing secret is sent as its literal tag', async t => {
  const r = await call('GET', exec('typo-secret'))
  t.equal(r.status, 200)
  t.equal(last().headers.authorization, "Bearer {{ get_secret('api_kye') }}")
  t.match(conduit.output(), /api_kye/, 'the missing name is logged')
})

t.test('TEMPLATE_RENDER_ERROR and RESPONSE_TEMPLATE_RENDER_ERROR', async t => {
  const before = upstream.requests.length
  const r = await call('GET', exec('bad-template'))
  const body = assertEnvelope(t, r, 422, 'TEMPLATE_RENDER_ERROR')
  t.equal(body.errors.scope, 'Configuration (template rendering)')
  t.match(body.errors.detail, /headers\[0\]/)
  t.equal(upstream.requests.length, before, 'nothing was sent upstream')
  assertTiming(t, r)
  const rr = await call('GET', exec('bad-response-template'))
  const rb = assertEnvelope(t, rr, 422, 'RESPONSE_TEMPLATE_RENDER_ERROR')
  t.equal(rb.errors.scope, 'Configuration (response template rendering)')
})

t.test('response template, content-type override, upstream errors pass through', async t => {
  const r = await call('GET', exec('response-template'))
  t.equal(r.status, 200)
  t.equal(r.headers['content-type'], 'application/vnd.test+json')
  t.same(r.json(), { path: '/echo', status: 200, etag: '"v1"' })
  const nf = await call('GET', exec('upstream-404'))
  t.equal(nf.status, 404)
  t.same(nf.json(), { error: 'nope' }, 'an upstream 404 is not a Conduit error')
  const nft = await call('GET', exec('upstream-404-templated'))
  t.equal(nft.status, 404)
  t.equal(nft.text, 'status=404 error=nope', 'the response template runs on 4xx')
  const text = await call('GET', exec('text'))
  t.equal(text.text, 'hello')
  t.equal(text.headers['content-type'], 'text/plain')
})

t.test('UPSTREAM_TIMEOUT, UPSTREAM_UNREACHABLE, UPSTREAM_RESPONSE_TOO_LARGE', async t => {
  const slow = await call('GET', exec('slow'))
  const sb = assertEnvelope(t, slow, 502, 'UPSTREAM_TIMEOUT')
  t.equal(sb.errors.scope, 'Downstream (network/external service)')
  t.match(slow.headers['server-timing'], /external;dur=[\d.]+;desc="Timeout"/)
  t.equal(JSON.parse(slow.headers['x-connector-timing']).timeout, true)
  const un = await call('GET', exec('unreachable'))
  assertEnvelope(t, un, 502, 'UPSTREAM_UNREACHABLE')
  assertTiming(t, un)
  const big = await call('GET', exec('big-templated'))
  assertEnvelope(t, big, 502, 'UPSTREAM_RESPONSE_TOO_LARGE')
  // Pass-through of a chunked body over the cap: still an error envelope, never a cut-off body.
  const bigPass = await call('GET', exec('big'))
  assertEnvelope(t, bigPass, 502, 'UPSTREAM_RESPONSE_TOO_LARGE')
  const declared = await call('GET', exec('big-declared'))
  assertEnvelope(t, declared, 502, 'UPSTREAM_RESPONSE_TOO_LARGE')
})

t.test('authentication: OAuth token, TOKEN_REQUEST_FAILED, JWT_SIGNING_ERROR', async t => {
  const ok = await call('GET', exec('oauth-ok'))
  t.equal(ok.status, 200)
  t.equal(last('/echo/oauth').headers.authorization, 'Bearer access-1')
  const form = new URLSearchParams(upstream.to('/token').at(-1)?.body)
  t.equal(form.get('grant_type'), 'client_credentials')
  t.equal(form.get('client_secret'), SECRET)
  await call('GET', exec('oauth-ok'))
  t.equal(upstream.requests.filter(r => r.url === '/token').length, 1, 'the token is cached')
  const failing = await call('GET', exec('oauth-failing'))
  const fb = assertEnvelope(t, failing, 502, 'TOKEN_REQUEST_FAILED')
  t.equal(fb.errors.scope, 'Authentication (token request)')
  t.match(fb.errors.detail, /500/)
  const jwt = await call('GET', exec('jwt-bad-key'))
  const jb = assertEnvelope(t, jwt, 422, 'JWT_SIGNING_ERROR')
  t.equal(jb.errors.scope, 'Authentication (JWT signing)')
  t.notOk(jwt.text.includes('not-a-pem-key'))
})

t.test('api_key in query wins over the caller value', async t => {
  const r = await call('GET', exec('api-key-query') + '?api_key=caller&x=1')
  t.equal(r.status, 200)
  const u = new URL('http://h' + last().url)
  t.same(u.searchParams.getAll('api_key'), [SECRET])
  t.equal(u.searchParams.get('x'), '1')
})

t.test('an upstream 401 passes through and the secret is re-read next time', async t => {
  const r = await call('GET', exec('unauthorized'))
  t.equal(r.status, 401)
  t.same(r.json(), { error: 'unauthorized' })
  const updated = await conduit.admin('PUT', '/admin/secrets/api_token', { value: SECRET + '-v2' })
  t.equal(updated.status, 200)
  await call('GET', exec('unauthorized'))
  t.equal(last('/unauthorized').headers.authorization, `Bearer ${SECRET}-v2`)
  const back = await conduit.admin('PUT', '/admin/secrets/api_token', { value: SECRET })
  t.equal(back.status, 200)
})

t.test('test connection: X-Debug-Request without secret values', async t => {
  const r = await conduit.admin('POST', '/admin/connectors/test', {
    connector: 'echo-get', queryParams: { page: '9' }, headers: { 'X-Free': 'tested' }
  })
  seen.push(r)
  t.equal(r.status, 200)
  const debug = JSON.parse(r.headers['x-debug-request'])
  t.equal(debug.method, 'GET')
  t.equal(debug.url, `${upstream.origin}/echo`)
  t.equal(debug.headers.Authorization, "Bearer {{ get_secret('api_token') }}", 'a secret-using field shows its template')
  t.equal(debug.headers['X-Fixed'], 'configured')
  t.equal(debug.headers['X-Free'], 'tested')
  t.equal(debug.query_parameters.page, '9')
  t.equal(debug.response_body, '')
  t.same(debug.authentication, { type: 'none' })
  t.equal(last().headers.authorization, `Bearer ${SECRET}`, 'the test request itself sends the secret upstream')

  const ak = await conduit.admin('POST', '/admin/connectors/test', { connector: 'api-key-query' })
  seen.push(ak)
  const akDebug = JSON.parse(ak.headers['x-debug-request'])
  t.equal(akDebug.authentication.config.value, '**********')
  t.equal(akDebug.authentication.config.key, 'api_key')

  const fail = await conduit.admin('POST', '/admin/connectors/test', { connector: 'path-item' })
  seen.push(fail)
  assertEnvelope(t, fail, 400, 'MISSING_PATH_PARAMETERS')
  t.ok(fail.headers['x-debug-request'], 'the debug header is on failures too')

  const unsaved = await conduit.admin('POST', '/admin/connectors/test', {
    connector: { name: 'Unsaved', url: `${upstream.origin}/echo/unsaved`, headers: [{ key: 'X-Long', value: 'y'.repeat(900) }] }
  })
  seen.push(unsaved)
  t.equal(unsaved.status, 200)
  t.equal(last().url, '/echo/unsaved')
  const invalid = await conduit.admin('POST', '/admin/connectors/test', { connector: { name: 'Broken', url: 'ftp://x', method: 'FETCH' } })
  const ib = assertEnvelope(t, invalid, 422, 'INVALID_CONNECTOR')
  t.ok(Array.isArray(ib.errors.params) && ib.errors.params.length >= 2, 'every problem is listed')

  const plain = await call('GET', exec('echo-get'))
  t.notOk('x-debug-request' in plain.headers, 'only test requests carry X-Debug-Request')
  const noAuth = await call('POST', '/admin/connectors/test', { 'content-type': 'application/json' }, '{"connector":"echo-get"}')
  assertEnvelope(t, noAuth, 401, 'UNAUTHORIZED')
})

t.test('composite connectors: steps in order, last response returned, failures scoped', async t => {
  const r = await call('POST', '/connectors/composite/two-steps/execute?id=5', { 'content-type': 'application/json' }, '{"n": 3}')
  t.equal(r.status, 200)
  t.same(r.json(), { first: '/echo/first', second: '/echo/second/5' })
  t.same(JSON.parse(last('/echo/second').body), { from_first: '/echo/first', sent: 3 })
  t.equal(last('/echo/first').headers.authorization, `Bearer ${SECRET}`)
  t.match(r.headers['server-timing'], /step\.first;dur=[\d.]+;desc="first", step\.second;dur=/)
  const failed = await call('POST', '/connectors/composite/failing-step/execute')
  const body = assertEnvelope(t, failed, 502, 'COMPOSITE_STEP_FAILED')
  t.equal(body.errors.scope, "Composite step 'only' (index 0): Downstream (HTTP error)")
  assertEnvelope(t, await call('GET', '/connectors/composite/two-steps/execute'), 400, 'METHOD_NOT_ALLOWED')
  assertEnvelope(t, await call('POST', '/connectors/composite/nope/execute'), 404, 'CONNECTOR_NOT_FOUND')
})

t.test('admin connector routes', async t => {
  const list = await conduit.admin('GET', '/admin/connectors')
  t.equal(list.status, 200)
  t.ok(list.json().connectors.some((c: { permalink: string }) => c.permalink === 'echo-get'))
  const one = await conduit.admin('GET', '/admin/connectors/echo-get')
  t.equal(one.json().definition.name, 'Echo get')
  t.equal(one.json().source, conduit.registryPath)
  assertEnvelope(t, await conduit.admin('GET', '/admin/connectors/nope'), 404, 'CONNECTOR_NOT_FOUND')
  const v = await conduit.admin('POST', '/admin/connectors/validate', '{\n  "name": "x",\n  "url": }')
  t.equal(v.status, 200)
  const vb = v.json()
  t.equal(vb.valid, false)
  t.equal(vb.errors[0].line, 3)
  t.type(vb.errors[0].column, 'number')
  const ok = await conduit.admin('POST', '/admin/connectors/validate', JSON.stringify({ name: 'Fine', url: 'https://api.example.com/x', extra_field: 1 }))
  t.equal(ok.json().valid, true)
  t.ok(ok.json().warnings.length >= 1, 'unknown fields are warnings')
  const reload = await conduit.admin('POST', '/admin/registry/reload')
  t.equal(reload.status, 200)
  t.equal(reload.json().success, true)
  const unauth = await call('GET', '/admin/connectors')
  assertEnvelope(t, unauth, 401, 'UNAUTHORIZED')
  const media = await conduit.call('POST', '/admin/connectors/test', {
    headers: { authorization: `Bearer ${conduit.adminToken}`, 'content-type': 'application/xml' }, body: '<x/>'
  })
  assertEnvelope(t, media, 415, 'UNSUPPORTED_MEDIA_TYPE')
})

t.test('registry hot reload under load: no failed request', async t => {
  const state = { stop: false }
  let sent = 0
  const failures: string[] = []
  const loop = async (): Promise<void> => {
    while (!state.stop) {
      const r = await conduit.call('GET', exec('echo-get'))
      sent++
      if (r.status !== 200) failures.push(`${r.status} ${r.text}`)
    }
  }
  const loops = [loop(), loop(), loop()]
  for (let i = 1; i <= 4; i++) {
    await new Promise(resolve => setTimeout(resolve, 150))
    conduit.writeRegistry(registry(upstream.origin, [{ name: `Added ${i}`, url: `${upstream.origin}/echo/added/${i}` }]))
  }
  const deadline = Date.now() + 5000
  let added: Reply | undefined
  while (Date.now() < deadline) {
    added = await conduit.call('GET', exec('added-4'))
    if (added.status === 200) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  state.stop = true
  await Promise.all(loops)
  t.equal(added?.status, 200, 'the last version of the registry is in service')
  t.ok(sent > 10, `requests ran during the reloads (${sent})`)
  t.same(failures, [], 'no request failed')

  conduit.writeRegistry({ connectors: [{ name: 'Broken', url: 'not a url' }] })
  await new Promise(resolve => setTimeout(resolve, 600))
  const still = await conduit.call('GET', exec('echo-get'))
  t.equal(still.status, 200, 'an invalid registry keeps the previous one in service')
  t.match(conduit.output(), /registry reload failed/)
  conduit.writeRegistry(registry(upstream.origin))
})

t.test('no secret value in any response or log line', async t => {
  t.ok(seen.length > 40)
  for (const r of seen) {
    t.notOk(r.text.includes(SECRET), 'body')
    t.notOk(JSON.stringify(r.headers).includes(SECRET), 'headers')
  }
  t.notOk(conduit.output().includes(SECRET), 'logs')
  t.notOk(conduit.output().includes('not-a-pem-key'), 'logs: the bad key')
  t.notOk(conduit.output().includes(conduit.adminToken), 'the admin token is not logged')
})
