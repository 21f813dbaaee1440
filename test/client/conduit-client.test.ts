// The client SDK (SPEC §21) in Node against a running gateway: the module served at
// /sdk/conduit-client.js is fetched and imported, then calls real connectors on loopback.
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { studioGateway } from '../plugins/fixtures/studio-app.js'

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

const upstream = createServer((req, res) => {
  if (req.url?.startsWith('/text')) { res.setHeader('content-type', 'text/plain'); res.end('plain words'); return }
  let body = ''
  req.on('data', (c: Buffer) => { body += c.toString() })
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.statusCode = req.url?.startsWith('/missing') ? 404 : 200
    res.end(JSON.stringify({ url: req.url, method: req.method, body: body === '' ? null : JSON.parse(body), auth: req.headers.authorization ?? null, extra: req.headers['x-extra'] ?? null }))
  })
})
t.test('the SDK served by a running gateway, used from Node', async t => {
  const up = await listen(upstream)
  // A gateway that never answers, for the client's own timeout.
  const silent = createServer(() => {})
  const hanging = await listen(silent)
  const gateway = await studioGateway({
    listen: true,
    env: { CONDUIT_CALLERS_JWT_SECRET: 'a-shared-hmac-secret-for-sdk-tests-0123456789' },
    registry: {
      connectors: [
        { name: 'Item', url: `${up}/items/{{ pathParams.id }}`, path_parameters: [{ key: 'id', overridable: true }], headers: [{ key: 'X-Extra', value: 'default', overridable: true }] },
        { name: 'Create', url: `${up}/create`, method: 'POST' },
        { name: 'Text', url: `${up}/text` },
        { name: 'Missing', url: `${up}/missing` }
      ],
      composite_connectors: [{ name: 'Both', steps: [{ name: 'one', url: `${up}/one` }, { name: 'two', url: `${up}/two`, method: 'POST', request_body: '{{ {"from": steps.one.body.url} | tojson }}' }] }]
    }
  })
  t.teardown(async () => {
    await gateway.close()
    upstream.close()
    silent.close()
    silent.closeAllConnections()
  })

  const served = await fetch(`${gateway.url}/sdk/conduit-client.js`)
  t.equal(served.status, 200)
  t.match(served.headers.get('content-type'), /^text\/javascript/)
  t.equal(served.headers.get('access-control-allow-origin'), '*', 'importable by pages of any origin')
  const file = join(gateway.dir, 'conduit-client.mjs')
  writeFileSync(file, await served.text())
  const sdk = await import(file)
  const client = sdk.createConnectorsClient({ baseUrl: gateway.url })

  await t.test('execute resolves to the parsed JSON body', async t => {
    const got = await client.execute({ permalink: 'item', method: 'GET', pathParams: { id: 42 }, queryParams: { q: 'a b', tag: ['x', 'y'] }, headers: { 'X-Extra': 'given' } })
    t.same(got, { url: '/items/42?q=a%20b&tag=x&tag=y', method: 'GET', body: null, auth: null, extra: 'given' })
    const created = await client.execute({ permalink: 'create', method: 'POST', payload: { name: 'n' } })
    t.same(created.body, { name: 'n' })
    const notFound = await client.execute({ permalink: 'missing', method: 'GET' })
    t.equal(notFound.url, '/missing', "an upstream's own 404 with JSON is its answer")
  })

  await t.test('composite.execute', async t => {
    const got = await client.composite.execute({ permalink: 'both', payload: {} })
    t.same(got.body, { from: '/one' })
  })

  await t.test('ConnectorExecuteError for an error envelope and for a non-JSON answer', async t => {
    const err = await client.execute({ permalink: 'item', method: 'GET' }).catch((e: unknown) => e)
    t.ok(err instanceof sdk.ConnectorExecuteError)
    t.match(err, { name: 'ConnectorExecuteError', status: 400, code: 'MISSING_PATH_PARAMETERS', params: ['id'] })
    t.match(err.requestId, /^[0-9a-f-]{36}$/)
    t.type(err.detail, 'string')
    const wrongMethod = await client.execute({ permalink: 'item', method: 'POST', pathParams: { id: 1 } }).catch((e: unknown) => e)
    t.match(wrongMethod, { status: 400, code: 'METHOD_NOT_ALLOWED' })
    const text = await client.execute({ permalink: 'text', method: 'GET' }).catch((e: unknown) => e)
    t.ok(text instanceof sdk.ConnectorExecuteError)
    t.equal(text.code, 'INVALID_RESPONSE')
    const slow = await sdk.createConnectorsClient({ baseUrl: hanging, timeout: 200 }).execute({ permalink: 'slow', method: 'GET' }).catch((e: unknown) => e)
    t.match(slow, { code: 'TIMEOUT', status: 0 })
  })

  await t.test('ConnectorBoundaryError before any request', async t => {
    const bad = async (options: unknown): Promise<string> => {
      try {
        await client.execute(options)
        return 'resolved'
      } catch (err) {
        t.ok(err instanceof sdk.ConnectorBoundaryError)
        return (err as { reason: string }).reason
      }
    }
    t.match(await bad({ permalink: 'create', method: 'POST', body: { a: 1 } }), "Use 'payload', not 'body'")
    t.match(await bad({ permalink: 'item', method: 'FETCH' }), 'method must be one of')
    t.match(await bad({ permalink: 'item', method: 'get' }), 'method must be one of')
    t.match(await bad({ permalink: 'item', method: 'GET', pathParams: { id: { nested: 1 } } }), 'pathParams.id')
    t.match(await bad({ permalink: 'item', method: 'GET', pathParams: ['1'] }), 'flat object')
    t.match(await bad({ permalink: '../admin', method: 'GET' }), 'permalink')
    t.throws(() => sdk.createConnectorsClient({ baseUrl: 'ftp://x' }), sdk.ConnectorBoundaryError)
  })

  await t.test('getToken and configure', async t => {
    const c = sdk.createConnectorsClient({ baseUrl: gateway.url, getToken: async () => 'not-a-jwt' })
    const err = await c.execute({ permalink: 'item', method: 'GET', pathParams: { id: 1 } }).catch((e: unknown) => e)
    t.match(err, { status: 401, code: 'INVALID_CALLER_TOKEN' }, 'the token was sent as a bearer')
    c.configure({ getToken: () => null })
    t.equal((await c.execute({ permalink: 'item', method: 'GET', pathParams: { id: 1 } })).url, '/items/1')
    t.throws(() => c.configure({ timeout: -1 }), sdk.ConnectorBoundaryError)
  })
})
