// The Studio over inject (SPEC §20, §17): sessions, CSRF, sign-out, expiry, the login limit, the
// §5 messages, secret values never in a page, the reload banner, Save and its disabled reason,
// Validate, and the Playground that never reads the store.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { STUDIO_TOKEN, cookiePair, form, signIn, studioGateway } from './fixtures/studio-app.js'

const SECRET = 'sk-inject-Secret-7781xyz'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const JSON_TYPE = { 'content-type': 'application/json' }

const connector = { name: 'Items', permalink: 'items', url: 'http://127.0.0.1:9/items', headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('api_token') }}" }] }

t.test('without a session every Studio page redirects to the sign-in page', async t => {
  const g = await studioGateway({ registry: { connectors: [connector] } })
  t.teardown(g.close)
  for (const url of ['/studio', '/studio/nowhere', '/studio/connectors', '/studio/secrets', '/studio/variables', '/studio/playground', '/studio/connectors/items', '/studio/connectors/new']) {
    const r = await g.app.inject({ method: 'GET', url })
    t.equal(r.statusCode, 303, url)
    t.equal(r.headers.location, '/studio/login', url)
  }
  const api = await g.app.inject({ method: 'POST', url: '/studio/api/validate', headers: JSON_TYPE, payload: '{}' })
  t.equal(api.statusCode, 401)
  const login = await g.app.inject({ method: 'GET', url: '/studio/login' })
  t.equal(login.statusCode, 200)
  t.match(login.body, /<label for="token">Admin token<\/label>/)
  t.match(login.body, /<button type="submit">Sign in<\/button>/)
  const s = await signIn(g.app)
  const unknown = await g.app.inject({ method: 'GET', url: '/studio/nowhere', headers: { cookie: s.cookie } })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'The Studio has no page /studio/nowhere.')
})

t.test('sign-in: a wrong token is refused, the right one gives an HttpOnly SameSite=Strict 8 h cookie', async t => {
  const g = await studioGateway()
  t.teardown(g.close)
  const page = await g.app.inject({ method: 'GET', url: '/studio/login' })
  const loginCookie = cookiePair(page.headers['set-cookie'], 'conduit_studio_login')
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const wrong = await g.app.inject({ method: 'POST', url: '/studio/login', headers: { ...FORM, cookie: loginCookie }, payload: form({ token: 'nope', _csrf: csrf }) })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.body, 'Invalid admin token')
  t.equal(cookiePair(wrong.headers['set-cookie'], 'conduit_studio'), '', 'no session for a wrong token')
  const right = await g.app.inject({ method: 'POST', url: '/studio/login', headers: { ...FORM, cookie: loginCookie }, payload: form({ token: STUDIO_TOKEN, _csrf: csrf }) })
  t.equal(right.statusCode, 303)
  t.equal(right.headers.location, '/studio/connectors')
  const set = [right.headers['set-cookie']].flat().find(c => c?.startsWith('conduit_studio=')) ?? ''
  t.match(set, /; Max-Age=28800/)
  t.match(set, /; Path=\/studio/)
  t.match(set, /; HttpOnly/)
  t.match(set, /; SameSite=Strict/)
  t.notMatch(set, /Secure/, 'plain http: no Secure flag')

  const noFormToken = await g.app.inject({ method: 'POST', url: '/studio/login', headers: { ...FORM, cookie: loginCookie }, payload: form({ token: STUDIO_TOKEN }) })
  t.equal(noFormToken.statusCode, 403, 'the sign-in form carries a CSRF token too')
  const crossSite = await g.app.inject({ method: 'POST', url: '/studio/login', headers: { ...FORM, cookie: loginCookie, origin: 'https://evil.example' }, payload: form({ token: STUDIO_TOKEN, _csrf: csrf }) })
  t.equal(crossSite.statusCode, 403)
})

t.test('behind TLS (trusted proxy) the session cookie is Secure', async t => {
  const g = await studioGateway({ env: { CONDUIT_SERVER_TRUST_PROXY: 'true' } })
  t.teardown(g.close)
  const https = { 'x-forwarded-proto': 'https' }
  const page = await g.app.inject({ method: 'GET', url: '/studio/login', headers: https })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const r = await g.app.inject({
    method: 'POST',
    url: '/studio/login',
    headers: { ...FORM, ...https, cookie: cookiePair(page.headers['set-cookie'], 'conduit_studio_login') },
    payload: form({ token: STUDIO_TOKEN, _csrf: csrf })
  })
  t.equal(r.statusCode, 303)
  t.match([r.headers['set-cookie']].flat().find(c => c?.startsWith('conduit_studio=')), /; Secure/)
})

t.test('at most 10 failed sign-ins per minute per IP, then even the right token waits', async t => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const g = await studioGateway({ clock: () => now })
  t.teardown(g.close)
  const attempt = async (token: string, ip = '10.0.0.1'): Promise<{ statusCode: number, headers: Record<string, unknown>, body: string }> => {
    const page = await g.app.inject({ method: 'GET', url: '/studio/login', remoteAddress: ip })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    return await g.app.inject({ method: 'POST', url: '/studio/login', remoteAddress: ip, headers: { ...FORM, cookie: cookiePair(page.headers['set-cookie'], 'conduit_studio_login') }, payload: form({ token, _csrf: csrf }) })
  }
  for (let i = 0; i < 10; i++) t.equal((await attempt('wrong')).statusCode, 401)
  const limited = await attempt(STUDIO_TOKEN)
  t.equal(limited.statusCode, 429)
  t.match(limited.body, /Too many failed sign-in attempts: try again in \d+ s/)
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await attempt(STUDIO_TOKEN, '10.0.0.2')).statusCode, 303, 'another IP is not affected')
  now += 60_000
  t.equal((await attempt(STUDIO_TOKEN)).statusCode, 303, 'after the minute the right token works')
})

t.test('sessions expire after 8 hours, and sign-out ends them at once', async t => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const g = await studioGateway({ clock: () => now })
  t.teardown(g.close)
  const a = await signIn(g.app)
  t.equal((await g.app.inject({ method: 'GET', url: '/studio/secrets', headers: { cookie: a.cookie } })).statusCode, 200)
  now += 8 * 3600 * 1000 - 1000
  t.equal((await g.app.inject({ method: 'GET', url: '/studio/secrets', headers: { cookie: a.cookie } })).statusCode, 200)
  now += 1000
  const expired = await g.app.inject({ method: 'GET', url: '/studio/secrets', headers: { cookie: a.cookie } })
  t.equal(expired.statusCode, 303)
  t.equal(expired.headers.location, '/studio/login')

  const b = await signIn(g.app)
  const noToken = await g.app.inject({ method: 'POST', url: '/studio/logout', headers: { ...FORM, cookie: b.cookie }, payload: '' })
  t.equal(noToken.statusCode, 403, 'sign-out is a form with a CSRF token')
  const out = await g.app.inject({ method: 'POST', url: '/studio/logout', headers: { ...FORM, cookie: b.cookie }, payload: form({ _csrf: b.csrf }) })
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/studio/login')
  t.match([out.headers['set-cookie']].flat().join(';'), /conduit_studio=;/, 'the cookie is cleared')
  t.equal((await g.app.inject({ method: 'GET', url: '/studio/secrets', headers: { cookie: b.cookie } })).statusCode, 303, 'the old cookie no longer works')
})

t.test('CSRF: writes without the session token, with a wrong one, or from another site are refused', async t => {
  const g = await studioGateway()
  t.teardown(g.close)
  const s = await signIn(g.app)
  const post = async (headers: Record<string, string>, fields: Record<string, string>): Promise<number> =>
    (await g.app.inject({ method: 'POST', url: '/studio/secrets', headers: { ...FORM, cookie: s.cookie, ...headers }, payload: form(fields) })).statusCode
  t.equal(await post({}, { name: 'a1', value: 'v' }), 403, 'no token')
  t.equal(await post({}, { name: 'a2', value: 'v', _csrf: 'forged' }), 403, 'wrong token')
  t.equal(await post({ origin: 'https://evil.example' }, { name: 'a3', value: 'v', _csrf: s.csrf }), 403, 'cross-site Origin')
  t.equal(await post({ 'sec-fetch-site': 'cross-site' }, { name: 'a4', value: 'v', _csrf: s.csrf }), 403, 'cross-site fetch metadata')
  t.same(await g.store.list('secret'), [], 'nothing was written')
  t.equal(await post({ origin: 'http://localhost:80' }, { name: 'ok1', value: 'v', _csrf: s.csrf }), 303, 'same origin with the token')
  const api = await g.app.inject({ method: 'POST', url: '/studio/api/validate', headers: { ...JSON_TYPE, cookie: s.cookie }, payload: JSON.stringify({ text: '{}' }) })
  t.equal(api.statusCode, 403, 'Studio fetches need X-CSRF-Token')
  const apiOk = await g.app.inject({ method: 'POST', url: '/studio/api/validate', headers: { ...JSON_TYPE, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: JSON.stringify({ text: '{}' }) })
  t.equal(apiOk.statusCode, 200)
})

t.test('secrets: the §5 messages, masked values, and no value in any page', async t => {
  const g = await studioGateway()
  t.teardown(g.close)
  const s = await signIn(g.app)
  const add = async (kind: string, name: string, value: string): Promise<{ statusCode: number, body: string }> =>
    await g.app.inject({ method: 'POST', url: `/studio/${kind}`, headers: { ...FORM, cookie: s.cookie }, payload: form({ name, value, _csrf: s.csrf }) })
  t.equal((await add('secrets', 'api_token', SECRET)).statusCode, 303)
  const cases: Array<[string, string, string, number, string]> = [
    ['secrets', 'api-key', 'x', 400, 'Invalid secret name'],
    ['secrets', 'empty', '', 400, 'Empty secret value'],
    ['secrets', 'api_token', 'another', 409, 'Duplicate secret name'],
    ['variables', '123key', 'x', 400, 'Invalid variable name'],
    ['variables', 'region', '', 400, 'Empty variable value'],
    ['variables', 'api_token', 'eu', 409, 'Duplicate variable name']
  ]
  for (const [kind, name, value, status, message] of cases) {
    const r = await add(kind, name, value)
    t.equal(r.statusCode, status, message)
    t.match(r.body, `<p class="error" id="add-error" role="alert">${message}</p>`)
    t.notMatch(r.body, SECRET)
  }
  const list = await g.app.inject({ method: 'GET', url: '/studio/secrets', headers: { cookie: s.cookie } })
  t.match(list.body, '<code class="value">s••••••••</code>')
  const edit = await g.app.inject({ method: 'GET', url: '/studio/secrets?edit=api_token', headers: { cookie: s.cookie } })
  t.match(edit.body, /<input id="edit-value" name="value" type="password"/)
  t.notMatch(edit.body, /id="edit-value"[^>]*value=/, 'the edit field starts empty')
  const badEdit = await g.app.inject({ method: 'POST', url: '/studio/secrets/api_token', headers: { ...FORM, cookie: s.cookie }, payload: form({ value: '  ', _csrf: s.csrf }) })
  t.equal(badEdit.statusCode, 400)
  t.match(badEdit.body, '<p class="error" id="edit-error" role="alert">Empty secret value</p>')
  for (const r of [list, edit, badEdit]) {
    t.notMatch(r.body, SECRET.slice(1))
    t.notMatch(JSON.stringify(r.headers), SECRET.slice(1))
  }
  t.match(list.headers['content-security-policy'], /default-src 'self'/)
  t.notMatch(list.body, /<script(?![^>]*\bsrc=)/, 'no inline script')
  t.notMatch(list.body, /\sstyle=/, 'no inline style')
  t.equal((await g.app.inject({ method: 'POST', url: '/studio/secrets/api_token/delete', headers: { ...FORM, cookie: s.cookie }, payload: form({ _csrf: s.csrf }) })).statusCode, 303)
  t.equal(await g.store.get('secret', 'api_token'), undefined)
})

t.test('connectors: list with sources, and the banner of a failed reload', async t => {
  const g = await studioGateway({ registry: { connectors: [connector] } })
  t.teardown(g.close)
  const s = await signIn(g.app)
  const ok = await g.app.inject({ method: 'GET', url: '/studio/connectors', headers: { cookie: s.cookie } })
  t.match(ok.body, '<code>connectors_registry.json</code>')
  t.notMatch(ok.body, 'The last registry reload failed')
  writeFileSync(g.registryPath, '{ "connectors": [ { "name": "Broken" } ] }')
  t.equal((await g.holder.reload()).ok, false)
  const failed = await g.app.inject({ method: 'GET', url: '/studio/connectors', headers: { cookie: s.cookie } })
  t.match(failed.body, 'The last registry reload failed')
  t.match(failed.body, /connector &#39;Broken&#39; › url: is required/)
  t.match(failed.body, '<code>items</code>', 'the previous registry is still listed')
})

t.test('editor Save: validated whole, written atomically, reloaded; invalid definitions change nothing', async t => {
  const g = await studioGateway({ registry: { connectors: [connector], something_else: { kept: true } } })
  t.teardown(g.close)
  const s = await signIn(g.app)
  const api = async (path: string, body: unknown): Promise<{ statusCode: number, json: () => any }> =>
    await g.app.inject({ method: 'POST', url: `/studio/api/${path}`, headers: { ...JSON_TYPE, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: JSON.stringify(body) })
  const before = readFileSync(g.registryPath, 'utf8')
  const bad = await api('save', { definition: { ...connector, url: 'http://127.0.0.1:9/{{ nope' }, replaces: 'items' })
  t.equal(bad.statusCode, 422)
  t.match(bad.json().problems[0], { field: 'url', line: 1 })
  t.equal(readFileSync(g.registryPath, 'utf8'), before, 'nothing written')

  const good = await api('save', { definition: { ...connector, name: 'Items v2', timeout_ms: 3000 }, replaces: 'items' })
  t.equal(good.statusCode, 200)
  t.same(good.json(), { saved: true, href: '/studio/connectors/items', permalink: 'items' })
  const onDisk = JSON.parse(readFileSync(g.registryPath, 'utf8'))
  t.equal(onDisk.connectors[0].name, 'Items v2')
  t.equal(onDisk.connectors[0].timeout_ms, 3000)
  t.same(onDisk.something_else, { kept: true }, 'the rest of the file is kept')
  t.equal(g.holder.current?.connectors.get('items')?.name, 'Items v2', 'reloaded')

  const added = await api('save', { definition: { name: 'New One', url: 'http://127.0.0.1:9/new' } })
  t.equal(added.json().permalink, 'new-one')
  t.ok(g.holder.current?.connectors.has('new-one'))
  const clash = await api('save', { definition: { name: 'Other', permalink: 'items', url: 'http://127.0.0.1:9/x' } })
  t.equal(clash.statusCode, 422)
  t.match(clash.json().problems[0].message, "already has the permalink 'items'")

  const validate = await api('validate', { text: '{\n  "name": "X",\n  "url": 5\n}' })
  t.equal(validate.json().valid, false)
  t.match(validate.json().errors[0], { field: 'url', message: /must be a string/ })
  const syntax = await api('validate', { text: '{\n  "name": "X",\n  "url": }' })
  t.match(syntax.json().errors[0], { line: 3, column: 10 })
})

t.test('Save is disabled with its reason when the registry is not one writable file', async t => {
  const g = await studioGateway({ registry: { connectors: [connector] } })
  t.teardown(g.close)
  const dirRegistry = join(g.dir, 'registry.d')
  mkdirSync(dirRegistry)
  writeFileSync(join(dirRegistry, 'a.json'), JSON.stringify({ connectors: [connector] }))
  const d = await studioGateway({ registry: { connectors: [] }, env: { CONDUIT_REGISTRY_PATH: dirRegistry } })
  t.teardown(d.close)
  const s = await signIn(d.app)
  const page = await d.app.inject({ method: 'GET', url: '/studio/connectors/items', headers: { cookie: s.cookie } })
  t.match(page.body, /<button type="button" id="save" disabled aria-describedby="save-reason">Save<\/button>/)
  t.match(page.body, 'Save is disabled: The registry is a directory of files')
  const r = await d.app.inject({ method: 'POST', url: '/studio/api/save', headers: { ...JSON_TYPE, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: JSON.stringify({ definition: connector, replaces: 'items' }) })
  t.equal(r.statusCode, 422)
  t.match(r.json().problems[0].message, 'directory')
})

t.test('playground: renders with the typed context and never reads the store', async t => {
  const g = await studioGateway()
  t.teardown(g.close)
  await g.store.create('secret', 'api_key', SECRET)
  const s = await signIn(g.app)
  let reads = 0
  const get = g.store.get.bind(g.store)
  g.store.get = async (...args) => { reads++; return await get(...args) }
  const render = async (template: string, kind: string, context: string): Promise<{ statusCode: number, body: string }> =>
    await g.app.inject({ method: 'POST', url: '/studio/playground', headers: { ...FORM, cookie: s.cookie }, payload: form({ template, kind, context, _csrf: s.csrf }) })
  const ok = await render("{{ get_secret('api_key') }}/{{ user.email }}", 'header', '{"secrets": {"api_key": "typed-sample"}, "user": {"email": "a@b.c"}}')
  t.equal(ok.statusCode, 200)
  t.match(ok.body, '<pre class="output" role="status" aria-label="Output">typed-sample/a@b.c</pre>')
  const missing = await render("{{ get_secret('api_key') }}", 'header', '{}')
  t.notMatch(missing.body, SECRET)
  t.equal(reads, 0, 'the store was never read')
  const bad = await render('a\n{{ 1 +', 'header', '{}')
  t.equal(bad.statusCode, 422)
  t.match(bad.body, /<strong>Template<\/strong>, line 2, column \d+: /)
  const wrongKind = await render("{{ get_secret('x') }}", 'url', '{}')
  t.match(wrongKind.body, /get_secret/)
  const badContext = await render('x', 'header', '{\n "a": }')
  t.match(badContext.body, /<strong>Context<\/strong>, line 2, column \d+: /)
})

t.test('Test connection: the admin test function, its errors as envelopes, invalid definitions as problems', async t => {
  const g = await studioGateway({ registry: { connectors: [connector] } })
  t.teardown(g.close)
  await g.store.create('secret', 'api_token', SECRET)
  const s = await signIn(g.app)
  const test = async (body: unknown): Promise<{ statusCode: number, json: () => any, body: string }> =>
    await g.app.inject({ method: 'POST', url: '/studio/api/test', headers: { ...JSON_TYPE, cookie: s.cookie, 'x-csrf-token': s.csrf }, payload: JSON.stringify(body) })
  // Port 9 on loopback refuses the connection: the pipeline's own error, shown as its envelope.
  const unreachable = await test({ connector })
  t.equal(unreachable.statusCode, 200)
  const r = unreachable.json()
  t.equal(r.status, 502)
  t.equal(r.error, true)
  t.equal(JSON.parse(r.body).errors.code, 'UPSTREAM_UNREACHABLE')
  t.equal(r.debug.headers.Authorization, "Bearer {{ get_secret('api_token') }}", 'the debug view shows the template')
  t.notMatch(unreachable.body, SECRET)
  const invalid = await test({ connector: { name: 'No URL' } })
  t.equal(invalid.statusCode, 422)
  t.match(invalid.json().problems[0], { field: 'url', message: 'is required' })
  const badInput = await test({ connector, headers: { a: { nested: true } } })
  t.equal(badInput.statusCode, 400)
  t.match(badInput.json().error, 'headers.a must be a string')
})
