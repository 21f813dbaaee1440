import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { errors, MockAgent } from 'undici'
import type { Dispatcher } from 'undici'
import { createUpstreamDispatcher } from '../../src/upstream/dispatcher.js'
import { forwardUpstream, sendUpstream, streamUpstream } from '../../src/upstream/send.js'
import { cleanResponseHeaders, safeResponseHeaders, stripRequestHeaders } from '../../src/upstream/headers.js'
import type { UpstreamRequest } from '../../src/upstream/types.js'
import { ConduitError } from '../../src/errors.js'
import type { ErrorCode } from '../../src/errors.js'

interface Loopback { port: number, base: string, requests: IncomingMessage[], bodies: string[] }

async function listen (t: Test, server: Server, scheme: string): Promise<Loopback> {
  const state: Loopback = { port: 0, base: '', requests: [], bodies: [] }
  server.on('request', (req: IncomingMessage) => {
    state.requests.push(req)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => state.bodies.push(Buffer.concat(chunks).toString()))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  state.port = (server.address() as AddressInfo).port
  state.base = `${scheme}://127.0.0.1:${state.port}`
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  return state
}

async function loopback (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  return await listen(t, createServer(handler), 'http')
}

function dispatcher (t: Test, allowPrivateNetworks = true): Dispatcher {
  const d = createUpstreamDispatcher({ timeoutMs: 5000, connectTimeoutMs: 1000, maxResponseBytes: 1 << 20, allowInsecure: false, allowPrivateNetworks })
  t.teardown(() => d.destroy())
  return d
}

const LIMITS = { timeoutMs: 2000, maxResponseBytes: 1000 }

function get (url: string, headers: Record<string, string> = {}): UpstreamRequest {
  return { url, method: 'GET', headers }
}

async function failure (t: Test, promise: Promise<unknown>, code: ErrorCode): Promise<ConduitError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  t.type(err, ConduitError)
  t.equal((err as ConduitError).code, code)
  return err as ConduitError
}

async function collect (stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

t.test('a call returns status, lowercase headers, body and duration', async t => {
  const server = await loopback(t, (req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.setHeader('X-Multi', ['a', 'b'])
    res.setHeader('ETag', '"v1"')
    res.statusCode = 201
    res.end(JSON.stringify({ method: req.method, url: req.url }))
  })
  const res = await sendUpstream(dispatcher(t), get(`${server.base}/items?q=1`), LIMITS)
  t.equal(res.status, 201)
  t.same(JSON.parse(res.body.toString()), { method: 'GET', url: '/items?q=1' })
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers.etag, '"v1"')
  t.equal(res.headers['x-multi'], 'a, b')
  t.type(res.durationMs, 'number')
})

t.test('the request body and method reach the upstream, with a computed content-length', async t => {
  const server = await loopback(t, (req, res) => { req.resume(); req.on('end', () => res.end()) })
  const body = JSON.stringify({ name: 'Zoë' })
  const res = await sendUpstream(dispatcher(t), { url: `${server.base}/x`, method: 'post', headers: { 'Content-Type': 'application/json', 'Content-Length': '999' }, body }, LIMITS)
  t.equal(res.status, 200)
  t.equal(server.requests[0]?.method, 'POST')
  t.equal(server.requests[0]?.headers['content-length'], String(Buffer.byteLength(body)))
  t.equal(server.bodies[0], body)
  const buffer = await sendUpstream(dispatcher(t), { url: `${server.base}/x`, method: 'PUT', headers: {}, body: Buffer.from([1, 2, 3]) }, LIMITS)
  t.equal(buffer.status, 200)
  t.equal(server.bodies[1], '\u0001\u0002\u0003')
})

t.test('hop-by-hop request headers, and those Connection names, are not forwarded', async t => {
  const server = await loopback(t, (_req, res) => res.end())
  await sendUpstream(dispatcher(t), get(`${server.base}/`, {
    Connection: 'X-Private-Hop, close',
    'X-Private-Hop': 'secret-hop',
    'Keep-Alive': 'timeout=5',
    TE: 'trailers',
    Trailer: 'Expires',
    'Transfer-Encoding': 'chunked',
    Upgrade: 'websocket',
    'Proxy-Authorization': 'Basic abc',
    'Proxy-Connection': 'keep-alive',
    Expect: '100-continue',
    Authorization: 'Bearer kept',
    'X-Normal': 'yes'
  }), LIMITS)
  const seen = server.requests[0]?.headers ?? {}
  for (const name of ['x-private-hop', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-connection', 'expect']) {
    t.equal(seen[name], undefined, `${name} not forwarded`)
  }
  t.equal(seen['x-normal'], 'yes')
  t.equal(seen.authorization, 'Bearer kept')
  t.not(seen.connection, 'X-Private-Hop, close', 'the caller Connection header is not forwarded')
})

t.test('hop-by-hop and set-cookie response headers are dropped', async t => {
  const server = await loopback(t, (_req, res) => {
    res.writeHead(200, [
      'Connection', 'keep-alive, X-Hop',
      'X-Hop', 'internal',
      'Keep-Alive', 'timeout=5',
      'Proxy-Authenticate', 'Basic realm=x',
      'Trailer', 'Expires',
      'Set-Cookie', 'session=abc',
      'Set-Cookie', 'other=def',
      'Server', 'upstream/1.0',
      'Content-Type', 'text/plain',
      'X-RateLimit-Remaining', '9'
    ])
    res.end('body')
  })
  const res = await sendUpstream(dispatcher(t), get(`${server.base}/`), LIMITS)
  for (const name of ['connection', 'x-hop', 'keep-alive', 'proxy-authenticate', 'trailer', 'set-cookie', 'transfer-encoding']) {
    t.equal(res.headers[name], undefined, `${name} dropped`)
  }
  t.equal(res.headers['content-type'], 'text/plain')
  t.equal(res.headers.server, 'upstream/1.0', 'kept for templates; safeResponseHeaders drops it for callers')
  t.same(safeResponseHeaders(res.headers), { 'content-type': 'text/plain', 'x-ratelimit-remaining': '9' })
  t.equal(res.body.toString(), 'body')
})

t.test('redirects are returned as they are, not followed', async t => {
  const server = await loopback(t, (req, res) => {
    if (req.url === '/old') res.writeHead(302, { Location: '/new' }).end()
    else res.end('followed')
  })
  const res = await sendUpstream(dispatcher(t), get(`${server.base}/old`), LIMITS)
  t.equal(res.status, 302)
  t.equal(res.headers.location, '/new')
  t.equal(server.requests.length, 1)
  const head = await sendUpstream(dispatcher(t), { url: `${server.base}/old`, method: 'HEAD', headers: {} }, LIMITS)
  t.equal(head.status, 302)
})

t.test('an upstream that never answers times out with UPSTREAM_TIMEOUT; the detail names the host only', async t => {
  const server = await loopback(t, () => { /* never answers */ })
  const err = await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/slow?api_key=supersecret`), { timeoutMs: 150, maxResponseBytes: 1000 }), 'UPSTREAM_TIMEOUT')
  t.equal(err.status, 502)
  t.equal(err.scope, 'Downstream (network/external service)')
  t.equal(err.message, `Upstream 127.0.0.1:${server.port} did not answer within 150 ms`)
  t.notMatch(err.message, /supersecret|\/slow/)
})

t.test('the deadline covers the body too', async t => {
  const server = await loopback(t, (_req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.write('partial') })
  await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/`), { timeoutMs: 150, maxResponseBytes: 1000 }), 'UPSTREAM_TIMEOUT')
})

t.test('the deadline is for the whole response: a body trickling faster than any idle timeout still stops', async t => {
  const server = await loopback(t, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    const tick = setInterval(() => res.write('.'), 20)
    // Without the deadline the call would succeed once the server finishes.
    const finish = setTimeout(() => res.end(), 2000)
    res.on('close', () => { clearInterval(tick); clearTimeout(finish) })
  })
  await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/`), { timeoutMs: 200, maxResponseBytes: 1_000_000 }), 'UPSTREAM_TIMEOUT')
})

t.test('a response over maxResponseBytes fails with UPSTREAM_RESPONSE_TOO_LARGE', async t => {
  const big = 'x'.repeat(1001)
  const server = await loopback(t, (req, res) => {
    if (req.url === '/declared') { res.end(big); return }
    if (req.url === '/exact') { res.end('y'.repeat(1000)); return }
    // chunked, no content-length: the cap is enforced while reading
    res.writeHead(200)
    for (let i = 0; i < 50; i++) res.write('z'.repeat(100))
    res.end()
  })
  const d = dispatcher(t)
  const declared = await failure(t, sendUpstream(d, get(`${server.base}/declared`), LIMITS), 'UPSTREAM_RESPONSE_TOO_LARGE')
  t.equal(declared.message, `Response from upstream 127.0.0.1:${server.port} exceeds the limit of 1000 bytes`)
  t.equal(declared.status, 502)
  await failure(t, sendUpstream(d, get(`${server.base}/chunked`), LIMITS), 'UPSTREAM_RESPONSE_TOO_LARGE')
  const exact = await sendUpstream(d, get(`${server.base}/exact`), LIMITS)
  t.equal(exact.body.length, 1000, 'a body exactly at the limit is fine')
})

t.test('a closed port is UPSTREAM_UNREACHABLE naming the host, not the query', async t => {
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>(resolve => probe.close(() => resolve()))
  const err = await failure(t, sendUpstream(dispatcher(t), get(`http://127.0.0.1:${port}/x?token=supersecret`), LIMITS), 'UPSTREAM_UNREACHABLE')
  t.equal(err.message, `Upstream 127.0.0.1:${port} is unreachable: connection refused`)
  t.equal(err.scope, 'Downstream (network/external service)')
})

t.test('a connection closed mid-response is UPSTREAM_UNREACHABLE', async t => {
  const server = await loopback(t, (req, res) => {
    res.writeHead(200, { 'Content-Length': '100' })
    res.write('short')
    setImmediate(() => req.socket.destroy())
  })
  await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/`), LIMITS), 'UPSTREAM_UNREACHABLE')
})

t.test('TLS certificates are verified: a self-signed upstream is unreachable', async t => {
  const fixtures = new URL('./fixtures/', import.meta.url)
  const server = await listen(t, createTlsServer({
    key: readFileSync(new URL('self-signed-test-only.key.txt', fixtures)),
    cert: readFileSync(new URL('self-signed.crt', fixtures))
  }, (_req, res) => res.end('should not be read')), 'https')
  const err = await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/`), LIMITS), 'UPSTREAM_UNREACHABLE')
  t.match(err.message, /TLS certificate verification failed/)
  t.equal(server.requests.length, 0)
})

t.test('blocked destinations are DESTINATION_NOT_ALLOWED; other schemes and bad URLs are refused', async t => {
  const server = await loopback(t, (_req, res) => res.end())
  const d = dispatcher(t, false)
  const err = await failure(t, sendUpstream(d, get(`${server.base}/?key=supersecret`), LIMITS), 'DESTINATION_NOT_ALLOWED')
  t.equal(err.scope, 'Downstream (network/external service)')
  t.notMatch(err.message, /supersecret/)
  await failure(t, streamUpstream(d, get(`http://localhost:${server.port}/`), LIMITS), 'DESTINATION_NOT_ALLOWED')
  await failure(t, sendUpstream(d, get('file:///etc/passwd'), LIMITS), 'DESTINATION_NOT_ALLOWED')
  await failure(t, sendUpstream(d, get('not a url'), LIMITS), 'INVALID_CONNECTOR')
  t.equal(server.requests.length, 0)
})

t.test('a header value undici cannot send is a connector error that does not echo the value', async t => {
  const server = await loopback(t, (_req, res) => res.end())
  const err = await failure(t, sendUpstream(dispatcher(t), get(`${server.base}/`, { 'X-Key': 'supersecret\r\nInjected: 1' }), LIMITS), 'INVALID_CONNECTOR')
  t.notMatch(err.message, /supersecret|Injected/)
  t.equal(server.requests.length, 0)
})

t.test('an injected MockAgent is used as the dispatcher', async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  agent.get('https://api.example.com').intercept({ path: '/v1/users?page=2', method: 'GET', headers: { authorization: 'Bearer abc' } })
    .reply(200, { users: [] }, { headers: { 'content-type': 'application/json', 'set-cookie': 'a=b', connection: 'keep-alive' } })
  const res = await sendUpstream(agent, get('https://api.example.com/v1/users?page=2', { Authorization: 'Bearer abc' }), LIMITS)
  t.equal(res.status, 200)
  t.same(JSON.parse(res.body.toString()), { users: [] })
  t.same(res.headers, { 'content-type': 'application/json' })
})

t.test('connect timeouts and DNS failures are mapped by their code', async t => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  const pool = agent.get('https://api.example.com')
  pool.intercept({ path: '/a' }).replyWithError(new errors.ConnectTimeoutError())
  pool.intercept({ path: '/b' }).replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND api.example.com'), { code: 'ENOTFOUND' }))
  const timeout = await failure(t, sendUpstream(agent, get('https://api.example.com/a'), LIMITS), 'UPSTREAM_TIMEOUT')
  t.equal(timeout.message, 'Connecting to upstream api.example.com timed out')
  const dns = await failure(t, sendUpstream(agent, get('https://api.example.com/b'), LIMITS), 'UPSTREAM_UNREACHABLE')
  t.equal(dns.message, 'Upstream api.example.com is unreachable: host name not found')
})

t.test('streamUpstream passes the body through under the same cap and deadline', async t => {
  const server = await loopback(t, (req, res) => {
    if (req.url === '/ok') { res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie': 'a=b' }); res.end('streamed body'); return }
    if (req.url === '/declared') { res.end('x'.repeat(1001)); return }
    if (req.url === '/stall') { res.writeHead(200); res.write('start'); return }
    res.writeHead(200)
    for (let i = 0; i < 50; i++) res.write('z'.repeat(100))
    res.end()
  })
  const d = dispatcher(t)
  const ok = await streamUpstream(d, get(`${server.base}/ok`), LIMITS)
  t.equal(ok.status, 200)
  t.same(ok.headers['set-cookie'], undefined)
  t.equal(ok.headers['content-type'], 'text/plain')
  t.equal((await collect(ok.body)).toString(), 'streamed body')

  await failure(t, streamUpstream(d, get(`${server.base}/declared`), LIMITS), 'UPSTREAM_RESPONSE_TOO_LARGE')

  const big = await streamUpstream(d, get(`${server.base}/chunked`), LIMITS)
  await failure(t, collect(big.body), 'UPSTREAM_RESPONSE_TOO_LARGE')

  const stall = await streamUpstream(d, get(`${server.base}/stall`), { timeoutMs: 150, maxResponseBytes: 1000 })
  await failure(t, collect(stall.body), 'UPSTREAM_TIMEOUT')
})

t.test('forwardUpstream reads a small declared body whole and streams the rest, under the same cap', async t => {
  const server = await loopback(t, (req, res) => {
    if (req.url === '/small') { res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '10' }); res.end('small body'); return }
    if (req.url === '/larger') { res.writeHead(200, { 'Content-Length': '600' }); res.end('y'.repeat(600)); return }
    if (req.url === '/declared') { res.end('x'.repeat(1001)); return }
    if (req.url === '/stall') { res.writeHead(200, { 'Content-Length': '10' }); res.write('half'); return }
    res.writeHead(200)
    for (let i = 0; i < 50; i++) res.write('z'.repeat(100))
    res.end()
  })
  const d = dispatcher(t)
  const opts = { ...LIMITS, bufferUpToBytes: 500 }
  await failure(t, forwardUpstream(d, get(`${server.base}/stall`), { ...opts, timeoutMs: 150 }), 'UPSTREAM_TIMEOUT')
  const small = await forwardUpstream(d, get(`${server.base}/small`), opts)
  t.ok(Buffer.isBuffer(small.body), 'read whole')
  t.equal(small.body.toString(), 'small body')
  t.equal(small.headers['content-type'], 'text/plain')
  const larger = await forwardUpstream(d, get(`${server.base}/larger`), opts)
  t.notOk(Buffer.isBuffer(larger.body), 'over bufferUpToBytes: streamed')
  t.equal((await collect(larger.body as Readable)).toString(), 'y'.repeat(600))
  await failure(t, forwardUpstream(d, get(`${server.base}/declared`), opts), 'UPSTREAM_RESPONSE_TOO_LARGE')
  const chunked = await forwardUpstream(d, get(`${server.base}/chunked`), opts)
  t.notOk(Buffer.isBuffer(chunked.body), 'no declared length: streamed')
  await failure(t, collect(chunked.body as Readable), 'UPSTREAM_RESPONSE_TOO_LARGE')
})

t.test('header helpers', async t => {
  t.same(stripRequestHeaders({ 'content-length': '3', Accept: 'a', 'Proxy-Foo': 'x', connection: 'x-a', 'X-A': '1' }), { Accept: 'a' })
  t.same(cleanResponseHeaders({ 'Set-Cookie': ['a'], Vary: ['accept', 'origin'], 'x-none': undefined, TE: 'x' }), { vary: 'accept, origin' })
  const upstream: Record<string, string> = Object.fromEntries([
    ['Content-Type', 'a'], ['content-language', 'en'], ['cache-control', 'no-store'], ['etag', 'e'], ['last-modified', 'l'], ['expires', 'x'],
    ['retry-after', '1'], ['x-ratelimit-limit', '10'], ['X-RateLimit-Reset', '5'], ['server', 's'], ['set-cookie', 'c'], ['x-powered-by', 'p'],
    ['connection', 'close']
  ])
  t.same(safeResponseHeaders(upstream), Object.fromEntries([
    ['content-type', 'a'], ['content-language', 'en'], ['cache-control', 'no-store'], ['etag', 'e'], ['last-modified', 'l'], ['expires', 'x'],
    ['retry-after', '1'], ['x-ratelimit-limit', '10'], ['x-ratelimit-reset', '5']
  ]))
})

t.test('an informational answer (103 Early Hints) before the real one is skipped', async t => {
  const server = await loopback(t, (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '5' })
    res.end('final')
  })
  const d = dispatcher(t)
  const whole = await sendUpstream(d, get(`${server.base}/`), LIMITS)
  t.equal(whole.status, 200)
  t.equal(whole.headers.link, undefined, 'the hints are not the answer')
  t.equal(whole.body.toString(), 'final')
  const streamed = await streamUpstream(d, get(`${server.base}/`), LIMITS)
  t.equal(streamed.status, 200)
  t.equal((await collect(streamed.body)).toString(), 'final')
})

t.test('a streamed body whose reader goes away stops the upstream call', async t => {
  let closed!: () => void
  const upstreamClosed = new Promise<void>(resolve => { closed = resolve })
  const server = await loopback(t, (_req, res) => {
    res.writeHead(200)
    res.write('first chunk')
    // Never ends on its own: only the gateway giving up closes it.
    res.on('close', () => closed())
  })
  const answer = await streamUpstream(dispatcher(t), get(`${server.base}/`), { timeoutMs: 30_000, maxResponseBytes: 1000 })
  const first: unknown = await new Promise(resolve => answer.body.once('data', resolve))
  t.equal((first as Buffer).toString(), 'first chunk')
  answer.body.destroy() // what Fastify does when the caller goes away
  await upstreamClosed
  t.pass('the upstream connection was closed long before the deadline')
})
