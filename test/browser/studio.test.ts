// The Studio, CORS and the client SDK in a real Chromium (SPEC §20, §21): one browser, one gateway
// listening on loopback with a registry file it may save, one loopback upstream, and two loopback
// page origins (one allowed by cors.origins, one not). The Studio is driven by its labels and
// button names; every page, response and request body the browser saw is checked for the secret.
import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import { readFileSync } from 'node:fs'
import t from 'tap'
import type { Page } from 'puppeteer-core'
import { launch } from './fixtures/chromium.js'
import { STUDIO_TOKEN, studioGateway } from '../plugins/fixtures/studio-app.js'

// Shapes of the DOM objects read in page.evaluate() callbacks (the test compiles without the DOM lib).
interface Shown { innerText: string, value: string }
interface Doc { body: { innerText: string }, getElementById: (id: string) => { textContent: string | null } | null }

const SECRET = 'sk-live-Zq7uWbrowserSecret42'
const SECRET_2 = 'sk-live-Rotated99browserSecret'

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return `http://127.0.0.1:${address.port}`
}

// The upstream echoes what it received, headers included, so a leak through Test connection would show.
const upstreamSeen: Array<{ url: string, headers: IncomingMessage['headers'] }> = []
const upstream = createServer((req, res) => {
  upstreamSeen.push({ url: req.url ?? '', headers: req.headers })
  let text = ''
  req.on('data', (chunk: Buffer) => { text += chunk.toString() })
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.setHeader('x-ratelimit-remaining', '41')
    let body: unknown = null
    try { body = JSON.parse(text) } catch { /* no JSON body */ }
    res.end(JSON.stringify({ ok: true, path: req.url, method: req.method, headers: req.headers, body }))
  })
})
const pageServer = (): Server => createServer((_req, res) => {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end('<!doctype html><title>widget</title><h1>Widget</h1>')
})
const allowedPages = pageServer()
const otherPages = pageServer()

const upstreamUrl = await listen(upstream)
const allowedOrigin = await listen(allowedPages)
const otherOrigin = await listen(otherPages)

const registry = {
  connectors: [
    {
      name: 'Echo Items',
      permalink: 'echo-items',
      url: `${upstreamUrl}/items/{{ pathParams.item_id }}`,
      method: 'GET',
      headers: [
        { key: 'Authorization', value: "Bearer {{ get_secret('api_token') }}" },
        { key: 'X-Env', value: 'production', overridable: false }
      ],
      query_parameters: [{ key: 'lang', value: 'en', overridable: true }],
      path_parameters: [{ key: 'item_id', overridable: true }],
      timeout_ms: 5000,
      x_custom: { kept: ['as', 'written'] }
    },
    {
      name: 'Public Data',
      permalink: 'public-data',
      url: `${upstreamUrl}/data`,
      method: 'POST',
      response_body: '{{ {"received": (response.body | from_json).body.q} | tojson }}',
      response_content_type: 'application/json'
    }
  ],
  composite_connectors: [
    {
      name: 'Two Steps',
      permalink: 'two-steps',
      steps: [
        { name: 'first', url: `${upstreamUrl}/first`, method: 'GET' },
        { name: 'second', url: `${upstreamUrl}/second`, method: 'GET', response_body: '{{ {"first_path": (steps.first.body | from_json).path} | tojson }}' }
      ]
    }
  ]
}

const gateway = await studioGateway({ registry, listen: true, env: { CONDUIT_CORS_ORIGINS: allowedOrigin } })
const base = gateway.url as string
await gateway.store.create('secret', 'api_token', SECRET)
const driver = await launch()
const { page } = driver

t.teardown(async () => {
  await driver.close()
  await gateway.close()
  for (const s of [upstream, allowedPages, otherPages]) s.close()
})

const aria = (role: string, name: string): string => `::-p-aria([name="${name}"][role="${role}"])`
const button = (name: string): string => aria('button', name)
const textbox = (name: string): string => aria('textbox', name)

async function click (selector: string): Promise<void> {
  await page.locator(selector).click()
}
async function fill (selector: string, value: string): Promise<void> {
  await page.locator(selector).fill(value)
}
async function submit (selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), click(selector)])
}
async function text (selector: string): Promise<string> {
  const handle = await page.locator(selector).waitHandle()
  return await handle.evaluate((el: unknown) => (el as Shown).innerText)
}
async function mainText (): Promise<string> {
  return await page.$eval('main', (el: unknown) => (el as Shown).innerText)
}
async function waitForText (p: Page, needle: string): Promise<void> {
  await p.waitForFunction((n: string) => (globalThis as unknown as { document: Doc }).document.body.innerText.includes(n), { timeout: 10_000 }, needle)
}

t.test('sign in: redirected to the login page, a wrong token first, then the right one', async t => {
  await page.goto(`${base}/studio/connectors`)
  t.equal(new URL(page.url()).pathname, '/studio/login', 'a Studio page without a session redirects to /studio/login')
  await fill(textbox('Admin token'), 'not-the-token')
  await submit(button('Sign in'))
  t.match(await mainText(), /Invalid admin token/)
  await driver.shot('01-login-invalid')
  await fill(textbox('Admin token'), STUDIO_TOKEN)
  await submit(button('Sign in'))
  t.equal(new URL(page.url()).pathname, '/studio/connectors')
  const cookies = await page.cookies()
  const session = cookies.find(c => c.name === 'conduit_studio')
  t.ok(session?.httpOnly, 'the session cookie is HttpOnly')
  t.equal(session?.sameSite, 'Strict')
  t.ok(session !== undefined && session.expires > Date.now() / 1000 + 7.9 * 3600, 'the session lasts 8 hours')
})

t.test('connectors list: every connector and composite with its source file', async t => {
  const listed = await mainText()
  for (const needle of ['Echo Items', 'echo-items', 'Public Data', 'Two Steps', 'two-steps', 'connectors_registry.json', 'composite']) {
    t.match(listed, needle)
  }
  t.match(listed, '/items/{{ pathParams.item_id }}', 'the URL template is shown')
  await driver.shot('02-connectors')
})

t.test('secrets: add one and see it masked, the three save errors, edit, delete', async t => {
  await page.goto(`${base}/studio/secrets`)
  t.match(await mainText(), /api_token/)
  t.notMatch(await page.content(), SECRET.slice(1, 8), 'the stored secret is not on the page')
  await click(button('Add secret'))
  await fill(textbox('Name'), 'browser_key')
  await fill(textbox('Value'), SECRET_2)
  await submit(button('Save'))
  const row = await text('::-p-xpath(//tr[.//code[text()="browser_key"]])')
  t.match(row, /^browser_key\s+s•+/, 'the value shows its first character and bullets')
  t.notMatch(row, SECRET_2.slice(1))
  await driver.shot('03-secrets')

  const tryAdd = async (name: string, value: string, message: string): Promise<void> => {
    await click(button('Add secret'))
    await fill(textbox('Name'), name)
    await fill(textbox('Value'), value)
    await submit(button('Save'))
    t.equal(await text('#add-error'), message)
  }
  await tryAdd('api-key', 'value-1', 'Invalid secret name')
  await driver.shot('04-secret-invalid-name')
  await tryAdd('empty_one', '', 'Empty secret value')
  await tryAdd('browser_key', 'other-value', 'Duplicate secret name')
  await driver.shot('05-secret-duplicate')

  await page.goto(`${base}/studio/secrets`)
  await submit('::-p-xpath(//tr[.//code[text()="browser_key"]]//button[text()="Edit"])')
  t.equal(await page.$eval('#edit-value', (el: unknown) => (el as Shown).value), '', 'the edit form starts empty')
  await fill(textbox('Value'), SECRET)
  await submit(button('Save'))
  t.match(await mainText(), /Saved secret 'browser_key'/)
  t.equal(await gateway.store.get('secret', 'browser_key'), SECRET)
  await driver.shot('06-secret-edited')

  let confirmText = ''
  page.once('dialog', dialog => { confirmText = dialog.message(); dialog.accept().catch(() => {}) })
  await submit('::-p-xpath(//tr[.//code[text()="browser_key"]]//button[text()="Delete"])')
  t.match(confirmText, /Delete secret 'browser_key'/)
  t.notMatch(await mainText(), /browser_key\s/)
  t.equal(await gateway.store.get('secret', 'browser_key'), undefined)
})

t.test('variables: added and shown in full', async t => {
  await page.goto(`${base}/studio/variables`)
  await click(button('Add variable'))
  await fill(textbox('Name'), 'region')
  await fill(textbox('Value'), 'eu-west-1')
  await submit(button('Save'))
  t.match(await text('::-p-xpath(//tr[.//code[text()="region"]])'), /region\s+eu-west-1/)
  await driver.shot('07-variables')
})

t.test('editor: form and Code switch losslessly, Validate, Test connection, Save', async t => {
  await page.goto(`${base}/studio/connectors`)
  await submit('::-p-aria([name="Echo Items"][role="link"])')
  t.equal(new URL(page.url()).pathname, '/studio/connectors/echo-items')
  await driver.shot('08-editor-form')

  await click(button('Code'))
  const first = await page.$eval('#code', (el: unknown) => (el as Shown).value)
  t.same(JSON.parse(first).x_custom, { kept: ['as', 'written'] }, 'fields the form does not know are in the Code view')
  t.equal(JSON.parse(first).timeout_ms, 5000)
  await click(button('Form'))
  await click(button('Code'))
  t.equal(await page.$eval('#code', (el: unknown) => (el as Shown).value), first, 'form → Code → form → Code loses nothing')
  await driver.shot('09-editor-code')
  await click(button('Form'))

  // Change the X-Env header in the form.
  const envValue = '::-p-xpath((//fieldset[legend[text()="Headers"]]//div[@class="row"])[2]//label[text()="Value"]/following-sibling::input)'
  t.equal(await page.$eval(envValue.replace('::-p-xpath(', 'xpath/').slice(0, -1), (el: unknown) => (el as Shown).value), 'production')
  await page.locator(envValue).fill('staging')

  // Validate with an error: an unclosed tag in the URL.
  const url = '::-p-xpath(//label[text()="URL"]/following-sibling::input)'
  await page.locator(url).fill(`${upstreamUrl}/items/{{ pathParams.item_id`)
  await click(button('Validate'))
  await waitForText(page, 'problem')
  const problems = await text('#messages')
  t.match(problems, /url/, 'the problem names its field')
  t.match(problems, /line 1, column \d+/, 'and its position')
  await driver.shot('10-editor-validate-error')
  await page.locator(url).fill(`${upstreamUrl}/items/{{ pathParams.item_id }}`)
  await click(button('Validate'))
  await waitForText(page, 'The definition is valid.')

  // Test connection against the loopback upstream.
  await fill(textbox('Path parameters'), 'item_id=42')
  await fill(textbox('Query parameters'), 'lang=fr')
  await click(button('Test connection'))
  await waitForText(page, 'X-Debug-Request')
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('test-status')?.textContent === '200')
  const body = await text('#test-body')
  t.match(body, /"path": "\/items\/42\?lang=fr"/, 'the body of the upstream answer')
  t.match(body, /"x-env": "staging"/, 'the unsaved change is what runs')
  t.match(body, /Bearer \[REDACTED\]/, 'an upstream echoing the secret is scrubbed before it reaches the browser')
  const debug = await text('#debug-table')
  t.match(debug, /url\s+http:\/\/127\.0\.0\.1:\d+\/items\/42/)
  t.match(debug, /get_secret\('api_token'\)/, 'the debug view shows a secret-using field as its template')
  t.match(await text('#test-headers-table'), /x-ratelimit-remaining\s+41/)
  await driver.shot('11-editor-test')

  // Save: written to the registry file, reloaded, served.
  await click(button('Save'))
  await waitForText(page, 'Saved.')
  const onDisk = JSON.parse(readFileSync(gateway.registryPath, 'utf8'))
  t.same(onDisk.connectors[0].x_custom, { kept: ['as', 'written'] }, 'unknown fields are saved as written')
  t.equal(onDisk.connectors[0].headers[1].value, 'staging')
  upstreamSeen.length = 0
  const served = await fetch(`${base}/connectors/echo-items/execute`, { headers: { 'x-path-params': 'item_id=7' } })
  t.equal(served.status, 200)
  t.equal(upstreamSeen[0]?.headers['x-env'], 'staging', 'the gateway serves the saved definition')
  await driver.shot('12-editor-saved')
})

t.test('editor: a new connector made in the form is saved and listed', async t => {
  await page.goto(`${base}/studio/connectors`)
  await submit(button('New connector'))
  t.equal(new URL(page.url()).pathname, '/studio/connectors/new')
  await fill(textbox('Name'), 'Made In Studio')
  await page.locator('::-p-xpath(//label[text()="URL"]/following-sibling::input)').fill(`${upstreamUrl}/made`)
  await click(button('Add header'))
  await page.locator('::-p-xpath((//fieldset[legend[text()="Headers"]]//div[@class="row"])[1]//label[text()="Key"]/following-sibling::input)').fill('Accept')
  await page.locator('::-p-xpath((//fieldset[legend[text()="Headers"]]//div[@class="row"])[1]//label[text()="Value"]/following-sibling::input)').fill('application/json')
  await click(button('Save'))
  await waitForText(page, 'Saved.')
  t.equal(new URL(page.url()).pathname, '/studio/connectors/made-in-studio', 'the address follows the saved permalink')
  t.same(gateway.holder.current?.connectors.get('made-in-studio')?.definition, {
    name: 'Made In Studio', method: 'GET', url: `${upstreamUrl}/made`, headers: [{ key: 'Accept', value: 'application/json' }]
  })
  await page.goto(`${base}/studio/connectors`)
  t.match(await mainText(), /Made In Studio\s+made-in-studio\s+GET/)
})

t.test('composite connectors: shown in the editor and testable', async t => {
  await page.goto(`${base}/studio/connectors/composite/two-steps`)
  t.match(await mainText(), /Step 2/)
  await click(button('Test connection'))
  await page.waitForFunction(() => (globalThis as unknown as { document: Doc }).document.getElementById('test-status')?.textContent === '200')
  t.match(await text('#test-body'), /"first_path": "\/first"/)
  await driver.shot('13-composite')
})

t.test('playground: renders a template, and a positioned error for a bad one', async t => {
  await page.goto(`${base}/studio/playground`)
  await fill(textbox('Template'), "Hi {{ user.first_name }}, key {{ get_secret('api_key') | length }}")
  await fill(textbox('Context (JSON)'), '{"user": {"first_name": "Ada"}, "secrets": {"api_key": "abcd"}}')
  await page.select('::-p-aria([name="Field kind"])', 'header')
  await submit(button('Render'))
  t.equal(await text('pre.output'), 'Hi Ada, key 4')
  await driver.shot('14-playground')
  await fill(textbox('Template'), 'Hi\n{{ user.first_name ')
  await submit(button('Render'))
  t.match(await text('.problems'), /Template, line 2, column \d+:/)
  await driver.shot('15-playground-error')
})

t.test('SDK in the browser: cross-origin execute, refused origin, error classes', async t => {
  await page.goto(`${allowedOrigin}/`)
  const results = await page.evaluate(async (gw: string) => {
    const sdk = await import(`${gw}/sdk/conduit-client.js`)
    const client = sdk.createConnectorsClient({ baseUrl: gw })
    const ok = await client.execute({ permalink: 'public-data', method: 'POST', payload: { q: 'hello' } })
    let missing: Record<string, unknown> = {}
    try {
      await client.execute({ permalink: 'echo-items', method: 'GET' })
    } catch (err) {
      const e = err as Record<string, unknown>
      missing = { name: e.name, isClass: err instanceof sdk.ConnectorExecuteError, status: e.status, code: e.code, params: e.params, requestId: e.requestId }
    }
    let boundary: Record<string, unknown> = {}
    try {
      await client.execute({ permalink: 'public-data', method: 'POST', body: { q: 1 } })
    } catch (err) {
      boundary = { isClass: err instanceof sdk.ConnectorBoundaryError, reason: (err as { reason: string }).reason }
    }
    return { ok, missing, boundary }
  }, base)
  t.same(results.ok, { received: 'hello' }, 'execute succeeds from an allowed origin')
  t.equal(results.missing.isClass, true)
  t.equal(results.missing.status, 400)
  t.equal(results.missing.code, 'MISSING_PATH_PARAMETERS')
  t.same(results.missing.params, ['item_id'])
  t.match(results.missing.requestId, /^[0-9a-f-]{36}$/, 'the request id is readable cross-origin')
  t.equal(results.boundary.isClass, true)
  t.match(results.boundary.reason, /payload/)

  await page.goto(`${otherOrigin}/`)
  const refused = await page.evaluate(async (gw: string) => {
    const sdk = await import(`${gw}/sdk/conduit-client.js`)
    try {
      await sdk.createConnectorsClient({ baseUrl: gw }).execute({ permalink: 'public-data', method: 'POST', payload: { q: 'x' } })
      return 'resolved'
    } catch (err) {
      return (err as { code: string }).code
    }
  }, base)
  t.equal(refused, 'NETWORK_ERROR', 'the browser refuses the answer to a page of another origin')
})

t.test('sign out ends the session', async t => {
  await page.goto(`${base}/studio/connectors`)
  await submit(button('Sign out'))
  t.equal(new URL(page.url()).pathname, '/studio/login')
  await page.goto(`${base}/studio/secrets`)
  t.equal(new URL(page.url()).pathname, '/studio/login', 'the old session no longer opens pages')
})

t.test('the secret value never reached the browser', async t => {
  await driver.settle()
  // The two form posts that carried a typed value (add and edit) are the browser's own input.
  const typed = (s: { method: string, url: string }): boolean => s.method === 'POST' && /\/studio\/secrets(\/browser_key)?$/.test(s.url)
  const variants = (v: string): string[] => [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]
  const leaks: string[] = []
  for (const s of driver.seen) {
    for (const v of [SECRET, SECRET_2].flatMap(variants)) {
      if (!typed(s) && s.requestBody.includes(v)) leaks.push(`request body of ${s.method} ${s.url}`)
      if (s.body.includes(v)) leaks.push(`response body of ${s.method} ${s.url}`)
      if (s.headers.includes(v)) leaks.push(`headers of ${s.method} ${s.url}`)
      if (s.url.includes(v)) leaks.push(`URL ${s.url}`)
    }
  }
  t.same(leaks, [], 'no request or response the browser saw carries a secret value')
  const carried = new Set(driver.seen.filter(s => [SECRET, SECRET_2].flatMap(variants).some(v => s.requestBody.includes(v))).map(s => s.url))
  t.same([...carried].map(u => new URL(u).pathname).sort(), ['/studio/secrets', '/studio/secrets/browser_key'], 'only the add and edit posts carried a typed value')
  t.ok(driver.seen.length > 60, `${driver.seen.length} requests and responses checked`)
  t.ok(driver.seen.some(s => s.body.includes('[REDACTED]')), 'the echoed secret arrived scrubbed')
})
