import t from 'tap'
import { fullApp, auth } from './fixtures/full-app.js'

const ORIGIN = 'https://api.example.com'
const CONNECTORS = [
  {
    name: 'Saved',
    url: `${ORIGIN}/saved/{{ pathParams.id }}`,
    path_parameters: [{ key: 'id', overridable: true }],
    headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('tok') }}" }, { key: 'X-Who', value: '{{ user.email }}' }],
    authentication: { type: 'api_key', config: { key: 'X-Key', value: "{{ get_secret('tok') }}", in: 'header' } }
  }
]

t.test('every admin connector route needs the admin token', async t => {
  const { app } = await fullApp(CONNECTORS)
  for (const [method, url] of [['GET', '/admin/connectors'], ['GET', '/admin/connectors/saved'], ['POST', '/admin/connectors/validate'], ['POST', '/admin/connectors/test'], ['POST', '/admin/registry/reload']] as const) {
    const r = await app.inject({ method, url, headers: { authorization: 'Bearer wrong' } })
    t.equal(r.statusCode, 401, `${method} ${url}`)
    t.equal(r.json().errors.code, 'UNAUTHORIZED')
  }
})

t.test('list and show definitions with their source', async t => {
  const { app } = await fullApp(CONNECTORS)
  const list = await app.inject({ method: 'GET', url: '/admin/connectors', headers: auth })
  t.equal(list.statusCode, 200)
  t.same(list.json().connectors.map((c: { permalink: string, source: string }) => [c.permalink, c.source]), [['saved', 'test']])
  const one = await app.inject({ method: 'GET', url: '/admin/connectors/saved', headers: auth })
  t.equal(one.json().definition.name, 'Saved')
  const nf = await app.inject({ method: 'GET', url: '/admin/connectors/nope', headers: auth })
  t.equal(nf.statusCode, 404)
  t.equal(nf.json().errors.code, 'CONNECTOR_NOT_FOUND')
})

t.test('validate: JSON syntax errors with line and column, definition errors, warnings', async t => {
  const { app } = await fullApp(CONNECTORS)
  const post = async (payload: string, type = 'application/json'): Promise<any> =>
    (await app.inject({ method: 'POST', url: '/admin/connectors/validate', headers: { ...auth, 'content-type': type }, payload })).json()
  const syntax = await post('{\n  "name": "x",\n  "url": ,\n}')
  t.equal(syntax.valid, false)
  t.equal(syntax.errors[0].line, 3)
  t.ok(syntax.errors[0].column > 0)
  const bad = await post(JSON.stringify({ connectors: [{ name: 'A', url: "https://x.example/{{ get_secret('k') }}" }, { name: 'B' }] }))
  t.equal(bad.valid, false)
  t.ok(bad.errors.some((e: { connector?: string }) => e.connector === 'A'))
  t.ok(bad.errors.some((e: { connector?: string }) => e.connector === 'B'))
  const warn = await post(JSON.stringify({ name: 'W', url: 'https://x.example/', surprise: true }), 'text/plain')
  t.equal(warn.valid, true)
  t.ok(warn.warnings.length > 0)
  const empty = await app.inject({ method: 'POST', url: '/admin/connectors/validate', headers: auth })
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().errors.code, 'INVALID_REQUEST')
})

t.test('validate: a 52 KB elif chain is valid; hostile nesting is an error naming connector and field, never a 500', async t => {
  const { app } = await fullApp(CONNECTORS)
  let chain = '{% set x = 3 %}{% if x == 0 %}a'
  for (let i = 1; chain.length < 52 * 1024; i++) chain += `{% elif x == ${i} %}b`
  chain += '{% endif %}'
  const post = async (definition: unknown): Promise<{ statusCode: number, body: any }> => {
    const r = await app.inject({ method: 'POST', url: '/admin/connectors/validate', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(definition) })
    return { statusCode: r.statusCode, body: r.json() }
  }
  const ok = await post({ name: 'Chain', url: `${ORIGIN}/c`, method: 'POST', request_body: chain })
  t.equal(ok.statusCode, 200)
  t.equal(ok.body.valid, true)
  const deep = await post({ name: 'Deep', url: `${ORIGIN}/d`, method: 'POST', request_body: '{{ ' + '['.repeat(20000) + ']'.repeat(20000) + ' }}' })
  t.equal(deep.statusCode, 200)
  t.equal(deep.body.valid, false)
  t.match(deep.body.errors[0], { connector: 'Deep', field: 'request_body', message: /nested too deeply/, line: 1 })
  const test = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ connector: { name: 'Deep', url: `${ORIGIN}/d`, method: 'POST', request_body: '{{ 1' + '+1'.repeat(20000) + ' }}' } }) })
  t.not(test.statusCode, 500, 'test connection answers with the compile problem, not a 500')
})

t.test('reload reports success, and failure keeps the registry', async t => {
  const { app, holder } = await fullApp(CONNECTORS)
  const ok = await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: auth })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().connectors, 1)
  holder.reload = async () => ({ ok: false, problems: [{ message: 'broken', connector: 'X', field: 'url' }] })
  const bad = await app.inject({ method: 'POST', url: '/admin/registry/reload', headers: auth })
  t.equal(bad.statusCode, 422)
  t.equal(bad.json().errors.code, 'INVALID_CONNECTOR')
  t.equal(bad.json().errors.params[0].message, 'broken')
})

t.test('test connection: saved and unsaved connectors, user, debug header', async t => {
  const { app, agent, store } = await fullApp(CONNECTORS)
  store.data.secret.set('tok', 'SECRET-VALUE-1')
  const seen: Array<Record<string, string>> = []
  agent.get(ORIGIN).intercept({ path: (p: string) => p.startsWith('/saved/') || p.startsWith('/unsaved'), method: (m: string) => m === 'GET' || m === 'POST' }).reply((o) => {
    seen.push(o.headers as Record<string, string>)
    return { statusCode: 201, data: '{"made":true}', responseOptions: { headers: { 'content-type': 'application/json' } } }
  }).persist()
  const r = await app.inject({
    method: 'POST',
    url: '/admin/connectors/test',
    headers: auth,
    payload: { connector: 'saved', pathParams: { id: '5' }, user: { email: 'ops@example.com' } }
  })
  t.equal(r.statusCode, 201)
  t.same(r.json(), { made: true })
  t.equal(seen[0]['X-Who'], 'ops@example.com')
  t.equal(seen[0]['X-Key'], 'SECRET-VALUE-1')
  const debug = JSON.parse(r.headers['x-debug-request'] as string)
  t.equal(debug.url, `${ORIGIN}/saved/5`)
  t.equal(debug.headers.Authorization, "Bearer {{ get_secret('tok') }}")
  t.equal(debug.headers['X-Who'], 'ops@example.com')
  t.equal(debug.authentication.config.value, '**********')
  t.notOk(r.rawPayload.toString().includes('SECRET-VALUE-1'))
  t.notOk(JSON.stringify(r.headers).includes('SECRET-VALUE-1'))
  t.ok(r.headers['server-timing'])

  const unsaved = await app.inject({
    method: 'POST',
    url: '/admin/connectors/test',
    headers: auth,
    payload: { connector: { name: 'Unsaved', url: `${ORIGIN}/unsaved`, method: 'POST' }, payload: { a: 1 } }
  })
  t.equal(unsaved.statusCode, 201)
  t.equal(JSON.parse(unsaved.headers['x-debug-request'] as string).request_body, '{"a":1}')

  const invalid = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: { name: 'Bad', url: 'ftp://x' } } })
  t.equal(invalid.statusCode, 422)
  t.equal(invalid.json().errors.code, 'INVALID_CONNECTOR')
  t.ok(invalid.json().errors.params.length > 0)

  const missing = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'nope' } })
  t.equal(missing.statusCode, 404)
  const noConnector = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { headers: {} } })
  t.equal(noConnector.statusCode, 400)
  const badMap = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'saved', headers: { a: { b: 1 } } } })
  t.equal(badMap.statusCode, 400)
  t.match(badMap.json().errors.detail, /headers\.a/)
  const anonymous = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'saved' } })
  t.equal(anonymous.json().errors.code, 'AUTHENTICATION_REQUIRED', 'a test without user is anonymous')
  const fail = await app.inject({ method: 'POST', url: '/admin/connectors/test', headers: auth, payload: { connector: 'saved', user: { id: '1' } } })
  t.equal(fail.statusCode, 400)
  t.equal(fail.json().errors.code, 'MISSING_PATH_PARAMETERS')
  t.ok(fail.headers['x-debug-request'], 'debug header on failure')
})
