import t from 'tap'
import type { Readable } from 'node:stream'
import { execute, parseBody } from '../../src/pipeline/execute.js'
import type { Result } from '../../src/pipeline/types.js'
import { compile, makeCall, makeDeps } from './fixtures/deps.js'

const ORIGIN = 'https://api.example.com'

async function text (result: Result): Promise<string> {
  if (typeof result.body === 'string') return result.body
  if (Buffer.isBuffer(result.body)) return result.body.toString('utf8')
  const chunks: Buffer[] = []
  for await (const c of result.body as Readable) chunks.push(Buffer.from(c as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

interface Seen { path: string, method: string, headers: Record<string, string>, body: unknown }

function capture (agent: ReturnType<typeof makeDeps>['agent'], path: string | RegExp, method: string, reply: { status?: number, body?: string, headers?: Record<string, string> } = {}): Seen[] {
  const seen: Seen[] = []
  agent.get(ORIGIN).intercept({ path: (p: string) => typeof path === 'string' ? p.split('?')[0] === path : path.test(p), method }).reply((opts) => {
    seen.push({ path: opts.path, method: opts.method, headers: opts.headers as Record<string, string>, body: opts.body })
    return { statusCode: reply.status ?? 200, data: reply.body ?? '{"ok":true}', responseOptions: { headers: { 'content-type': 'application/json', ...reply.headers } } }
  }).persist()
  return seen
}

t.test('secrets resolve into headers, query and auth; the upstream answer passes through', async t => {
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('tok', 's3cr3t')
  const seen = capture(agent, '/v1/items', 'GET', { headers: { 'set-cookie': 'a=b', etag: '"e"', server: 'x' } })
  const c = compile({
    name: 'Items',
    url: `${ORIGIN}/v1/items`,
    headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('tok') }}" }],
    query_parameters: [{ key: 'sig', value: "{{ get_secret('tok') }}" }]
  })
  const result = await execute(c, makeCall(), deps)
  t.equal(result.status, 200)
  t.equal(await text(result), '{"ok":true}')
  t.same(result.headers, { 'content-type': 'application/json', etag: '"e"' })
  t.equal(seen[0].headers.Authorization ?? seen[0].headers.authorization, 'Bearer s3cr3t')
  t.equal(seen[0].path, '/v1/items?sig=s3cr3t')
  t.equal(resolver.resolveCalls, 1, 'resolved once per request')
})

t.test('a missing secret renders as its tag and is logged by name only', async t => {
  const { deps, agent, logged } = makeDeps()
  const seen = capture(agent, '/x', 'GET')
  const c = compile({ name: 'Typo', url: `${ORIGIN}/x`, headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_kye') }}" }] })
  await execute(c, makeCall(), deps)
  t.equal(seen[0].headers.Authorization, "Bearer {{ get_secret('api_kye') }}")
  t.equal(logged.length, 1)
  t.same(logged[0].obj, { connector: 'typo', field: 'headers[0].value', secret: 'api_kye' })
})

t.test("onMissing 'fail' refuses before anything is sent", async t => {
  const { deps, agent } = makeDeps({ onMissing: 'fail' })
  const seen = capture(agent, '/x', 'GET')
  const c = compile({ name: 'Typo', url: `${ORIGIN}/x`, headers: [{ key: 'X-Key', value: "{{ get_secret('nope') }}" }] })
  await t.rejects(execute(c, makeCall(), deps), { code: 'SECRET_NOT_FOUND', status: 422, scope: 'Configuration (secrets)', params: ['nope'] })
  t.equal(seen.length, 0)
})

t.test('a store that is down is SECRET_STORE_UNAVAILABLE', async t => {
  const { deps, resolver } = makeDeps()
  resolver.down = true
  const c = compile({ name: 'S', url: `${ORIGIN}/x`, headers: [{ key: 'X-Key', value: "{{ get_secret('k') }}" }] })
  await t.rejects(execute(c, makeCall(), deps), { code: 'SECRET_STORE_UNAVAILABLE', status: 503 })
})

t.test('a connector that reads user.* refuses anonymous callers', async t => {
  const { deps, agent } = makeDeps()
  const seen = capture(agent, '/me', 'GET')
  const c = compile({ name: 'Me', url: `${ORIGIN}/me`, headers: [{ key: 'X-Email', value: '{{ user.email }}' }] })
  await t.rejects(execute(c, makeCall(), deps), { code: 'AUTHENTICATION_REQUIRED', status: 401 })
  const user = { id: 'u1', email: 'a@b.c', first_name: null, last_name: null, username: null, profile_fields: null }
  await execute(c, makeCall({ user }), deps)
  t.equal(seen[0].headers['X-Email'], 'a@b.c')
})

t.test('a variable host is checked after rendering', async t => {
  const { deps, resolver, agent } = makeDeps()
  const c = compile({ name: 'V', url: "https://{{ get_variable('host') }}/x" })
  resolver.variables.set('host', '10.1.2.3')
  await t.rejects(execute(c, makeCall(), deps), { code: 'DESTINATION_NOT_ALLOWED', status: 502 })
  resolver.variables.set('host', '169.254.169.254')
  await t.rejects(execute(c, makeCall(), deps), { code: 'DESTINATION_NOT_ALLOWED' })
  resolver.variables.set('host', 'api.example.com')
  const seen = capture(agent, '/x', 'GET')
  await execute(c, makeCall(), deps)
  t.equal(seen.length, 1)
})

t.test('request body: forwarded unchanged, or rendered; never for GET', async t => {
  const { deps, agent } = makeDeps()
  const seen = capture(agent, '/p', 'POST')
  const plain = compile({ name: 'P', url: `${ORIGIN}/p`, method: 'POST' })
  await execute(plain, makeCall({ method: 'POST', bodyText: '{ "a" : 1 }', bodyRaw: { a: 1 } }), deps)
  t.equal(seen[0].body, '{ "a" : 1 }')
  t.equal(seen[0].headers['content-type'], 'application/json')
  const tpl = compile({ name: 'T', url: `${ORIGIN}/p`, method: 'POST', request_body: '{"n": {{ body_raw.a + 1 }}}' })
  await execute(tpl, makeCall({ method: 'POST', bodyText: '{"a":1}', bodyRaw: { a: 1 } }), deps)
  t.equal(seen[1].body, '{"n": 2}')
  const get = capture(agent, '/g', 'GET')
  await execute(compile({ name: 'G', url: `${ORIGIN}/g` }), makeCall({ bodyText: '{"a":1}', bodyRaw: { a: 1 } }), deps)
  t.notOk(get[0].body, 'no body on GET')
})

t.test('response template sees body, status and headers on every status', async t => {
  const { deps, agent } = makeDeps()
  capture(agent, '/r', 'GET', { status: 503, body: '{"error":"down"}', headers: { 'x-thing': 'v' } })
  const c = compile({
    name: 'R',
    url: `${ORIGIN}/r`,
    response_body: '{{ response.status_code }} {{ (response.body | from_json).error }} {{ response.headers["x-thing"] }}',
    response_content_type: 'text/plain'
  })
  const result = await execute(c, makeCall(), deps)
  t.equal(result.status, 503)
  t.equal(result.body, '503 down v')
  t.equal(result.headers['content-type'], 'text/plain')
})

t.test('template errors map to their codes', async t => {
  const { deps, agent } = makeDeps()
  capture(agent, '/e', 'GET')
  const req = compile({ name: 'E', url: `${ORIGIN}/e`, headers: [{ key: 'X', value: "{{ '{' | from_json }}" }] })
  await t.rejects(execute(req, makeCall(), deps), { code: 'TEMPLATE_RENDER_ERROR', status: 422, message: /^headers\[0\]\.value: / })
  const res = compile({ name: 'E2', url: `${ORIGIN}/e`, response_body: "{{ '{' | from_json }}" })
  await t.rejects(execute(res, makeCall(), deps), { code: 'RESPONSE_TEMPLATE_RENDER_ERROR', scope: 'Configuration (response template rendering)' })
})

t.test('an upstream 401 marks the secrets stale and evicts the OAuth token', async t => {
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('cs', 'client-secret')
  let tokens = 0
  agent.get('https://auth.example.com').intercept({ path: '/token', method: 'POST' }).reply(() => {
    tokens++
    return { statusCode: 200, data: JSON.stringify({ access_token: `tok-${tokens}`, expires_in: 3600 }), responseOptions: { headers: { 'content-type': 'application/json' } } }
  }).persist()
  const seen = capture(agent, '/secure', 'GET', { status: 401, body: '{}' })
  const c = compile({
    name: 'OAuth',
    url: `${ORIGIN}/secure`,
    authentication: {
      type: 'oauth_client_credentials',
      config: { client_id: 'id', client_secret: "{{ get_secret('cs') }}", token_url: 'https://auth.example.com/token' }
    }
  })
  const r1 = await execute(c, makeCall(), deps)
  t.equal(r1.status, 401)
  t.same(resolver.staleCalls, [['cs']])
  await execute(c, makeCall(), deps)
  t.equal(tokens, 2, 'the token was fetched again after the 401')
  t.equal(seen[1].headers.authorization, 'Bearer tok-2')
})

t.test('parseBody: response.body is the UTF-8 text, never parsed; None when not valid UTF-8', async t => {
  t.equal(parseBody(Buffer.from('{"a":1}')), '{"a":1}')
  t.equal(parseBody(Buffer.from('h\u00e9llo \u{1F600}')), 'h\u00e9llo \u{1F600}')
  t.equal(parseBody(Buffer.from('')), '')
  t.equal(parseBody(Buffer.from([0x7b, 0xff, 0x7d])), null)
  t.equal(parseBody('rendered text'), 'rendered text')
})

t.test('the documented recipe: response.body | from_json in a response template', async t => {
  const { deps, agent } = makeDeps()
  capture(agent, '/j', 'GET', { status: 200, body: '{"items": [{"name": "a", "is_public": true}, {"name": "b", "is_public": false}]}', headers: { 'content-type': 'application/json' } })
  const c = compile({
    name: 'J',
    url: `${ORIGIN}/j`,
    response_body: "{% set d = response.body | from_json %}{% for r in d['items'] if r.is_public %}{{ r.name | tojson }}{% if not loop.last %},{% endif %}{% endfor %}|{{ response.body is string }}"
  })
  t.equal((await execute(c, makeCall(), deps)).body, '"a"|True')
})
