import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { requestToken, MAX_TOKEN_RESPONSE_BYTES } from '../../src/auth/token-request.js'
import { createUpstreamDispatcher } from '../../src/upstream/dispatcher.js'
import { ConduitError, toEnvelope } from '../../src/errors.js'
import type { AuthDeps } from '../../src/auth/types.js'

const SECRET = 'cs-7f3a9c1e-never-show-me'
const FORM = { grant_type: 'client_credentials', client_id: 'conduit', client_secret: SECRET, scope: 'read write' }

interface Received { method: string, url: string, headers: IncomingHttpHeaders, body: string }
interface Loopback { url: string, host: string, received: Received[], close: () => Promise<void> }

/** A loopback token endpoint answering with `reply`. */
async function tokenEndpoint (reply: (res: ServerResponse, body: string) => void): Promise<Loopback> {
  const received: Received[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => { body += c })
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      reply(res, body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    host: `127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

function json (status: number, body: unknown, headers: Record<string, string> = {}) {
  return (res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }
}

const upstream = { timeoutMs: 1000, connectTimeoutMs: 1000, maxResponseBytes: 10 * 1024 * 1024, allowInsecure: true }
const dispatcher = createUpstreamDispatcher({ ...upstream, allowPrivateNetworks: true })
const guarded = createUpstreamDispatcher({ ...upstream, allowPrivateNetworks: false })
t.teardown(async () => { await dispatcher.close(); await guarded.close() })

const deps: AuthDeps = { dispatcher, timeoutMs: 300, clock: Date.now }

async function failure (p: Promise<unknown>): Promise<ConduitError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  if (!(err instanceof ConduitError)) throw new Error(`expected a ConduitError, got ${String(err)}`)
  return err
}

function assertTokenFailure (t: Test, err: ConduitError, detail: RegExp): void {
  t.equal(err.code, 'TOKEN_REQUEST_FAILED')
  t.equal(err.status, 502)
  t.equal(err.scope, 'Authentication (token request)')
  t.match(err.detail, detail)
  const envelope = JSON.stringify(toEnvelope(err, 'req-1'))
  t.notOk(envelope.includes(SECRET), 'no client secret in the envelope')
  t.notOk(envelope.includes('leaked-token'), 'no response body in the envelope')
}

t.test('posts the form with the OAuth content type and returns the token', async t => {
  const ep = await tokenEndpoint(json(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }))
  t.teardown(ep.close)
  t.same(await requestToken(deps, ep.url, FORM), { accessToken: 'at-1', expiresIn: 3600 })
  t.equal(ep.received.length, 1)
  const [r] = ep.received
  t.equal(r.method, 'POST')
  t.equal(r.url, '/oauth/token')
  t.equal(r.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(r.headers.accept, 'application/json')
  t.same(Object.fromEntries(new URLSearchParams(r.body)), FORM)
})

t.test('expires_in may be a numeric string; an unusable one is treated as absent', async t => {
  const replies = [{ access_token: 'a', expires_in: '120' }, { access_token: 'b', expires_in: 'soon' }, { access_token: 'c' }]
  let i = 0
  const ep = await tokenEndpoint((res) => json(200, replies[i++])(res))
  t.teardown(ep.close)
  t.same(await requestToken(deps, ep.url, FORM), { accessToken: 'a', expiresIn: 120 })
  t.same(await requestToken(deps, ep.url, FORM), { accessToken: 'b' })
  t.same(await requestToken(deps, ep.url, FORM), { accessToken: 'c' })
})

t.test('a 4xx names host, status and the RFC 6749 error code, never the body', async t => {
  const ep = await tokenEndpoint(json(401, { error: 'invalid_client', error_description: `bad secret ${SECRET}`, leaked: 'leaked-token' }))
  t.teardown(ep.close)
  const err = await failure(requestToken(deps, ep.url, FORM))
  assertTokenFailure(t, err, new RegExp(`^Token request to ${ep.host} failed with status 401 \\(invalid_client\\)$`))
})

t.test('an error code outside RFC 6749 is not echoed', async t => {
  const ep = await tokenEndpoint(json(400, { error: SECRET }))
  t.teardown(ep.close)
  const err = await failure(requestToken(deps, ep.url, FORM))
  assertTokenFailure(t, err, new RegExp(`^Token request to ${ep.host} failed with status 400$`))
})

t.test('a 5xx is a token request failure with the status', async t => {
  const ep = await tokenEndpoint((res) => { res.writeHead(503, { 'content-type': 'text/html' }); res.end('<h1>leaked-token</h1>') })
  t.teardown(ep.close)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /failed with status 503$/)
})

t.test('a redirect is not followed', async t => {
  const ep = await tokenEndpoint((res) => { res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }); res.end() })
  t.teardown(ep.close)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /failed with status 302$/)
  t.equal(ep.received.length, 1)
})

t.test('a 200 that is not JSON, not an object, or has no access_token', async t => {
  const bodies = ['<html>leaked-token</html>', '["leaked-token"]', JSON.stringify({ token: 'leaked-token' }), JSON.stringify({ access_token: '' })]
  let i = 0
  const ep = await tokenEndpoint((res) => json(200, bodies[i++])(res))
  t.teardown(ep.close)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), new RegExp(`^Token request to ${ep.host} returned a response that is not JSON \\(status 200\\)$`))
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /returned JSON that is not an object \(status 200\)$/)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /returned no access_token \(status 200\)$/)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /returned no access_token \(status 200\)$/)
})

t.test('a token endpoint that does not answer in time', async t => {
  const ep = await tokenEndpoint(() => { /* never answers */ })
  t.teardown(ep.close)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), new RegExp(`^Token request to ${ep.host} timed out after 300 ms$`))
})

t.test('an unreachable token endpoint', async t => {
  const ep = await tokenEndpoint(json(200, {}))
  const { url, host } = ep
  await ep.close()
  assertTokenFailure(t, await failure(requestToken(deps, url, FORM)), new RegExp(`^Token request to ${host} failed: the token endpoint is unreachable$`))
})

t.test('a response over the size cap', async t => {
  const ep = await tokenEndpoint(json(200, { access_token: 'x'.repeat(MAX_TOKEN_RESPONSE_BYTES + 10) }))
  t.teardown(ep.close)
  assertTokenFailure(t, await failure(requestToken(deps, ep.url, FORM)), /failed: the response exceeds \d+ bytes$/)
})

t.test('the SSRF guard applies: a private destination is refused', async t => {
  const ep = await tokenEndpoint(json(200, { access_token: 'leaked-token' }))
  t.teardown(ep.close)
  const err = await failure(requestToken({ ...deps, dispatcher: guarded }, ep.url, FORM))
  assertTokenFailure(t, err, new RegExp(`^Token request to ${ep.host} failed: the destination is not allowed`))
  t.equal(ep.received.length, 0, 'nothing reached the endpoint')
})

t.test('a rendered token_url that is not an http(s) URL', async t => {
  for (const url of ['not a url', 'ftp://auth.example.com/token', '']) {
    assertTokenFailure(t, await failure(requestToken(deps, url, FORM)), /the rendered token_url is not a valid http\(s\) URL/)
  }
})
