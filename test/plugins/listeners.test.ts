// The listeners of SPEC §19: admin.port splits admin and public routes; requestTimeoutMs cuts a
// request whose body trickles in.
import t from 'tap'
import { connect } from 'node:net'
import { request } from 'undici'
import { fullApp, auth } from './fixtures/full-app.js'
import { isPublicPath } from '../../plugins/listeners.js'

async function get (base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number, code?: string }> {
  const res = await request(base + path, { headers })
  const text = await res.body.text()
  let code: string | undefined
  try { code = JSON.parse(text).errors?.code } catch { /* not an envelope */ }
  return { status: res.statusCode, code }
}

t.test('which paths the public port serves', async t => {
  for (const p of ['/connectors/a/execute', '/connectors/composite/b/execute?x=1', '/healthz', '/readyz', '/sdk/conduit-client.js']) t.ok(isPublicPath(p), p)
  for (const p of ['/admin/secrets', '/metrics', '/studio', '/studio/login', '/', '/connectors', '/healthz/x']) t.notOk(isPublicPath(p), p)
})

t.test('with admin.port the admin API and any admin-side route answer only there', async t => {
  const { app } = await fullApp([{ name: 'Pub', url: 'https://api.example.com/p' }], { CONDUIT_ADMIN_PORT: '0' })
  // Registered the way the Studio and metrics plugins add theirs.
  app.get('/studio/ping', async () => ({ studio: true }))
  t.teardown(async () => { await app.close() })
  const pub = await app.listen({ host: '127.0.0.1', port: 0 })
  const admin = await app.listenAdmin()
  t.ok(admin !== undefined && admin !== pub, `admin on ${String(admin)}`)
  const adminBase = admin as string

  t.same(await get(pub, '/admin/secrets', auth), { status: 404, code: 'NOT_FOUND' }, 'no admin API on the public port')
  t.same(await get(pub, '/studio/ping'), { status: 404, code: 'NOT_FOUND' }, 'no admin-side plugin on the public port')
  t.equal((await get(pub, '/healthz')).status, 200)
  t.equal((await get(pub, '/readyz')).status, 200)
  t.same(await get(pub, '/connectors/nope/execute'), { status: 404, code: 'CONNECTOR_NOT_FOUND' }, 'execute routes answer')

  t.equal((await get(adminBase, '/admin/secrets', auth)).status, 200)
  t.equal((await get(adminBase, '/admin/secrets')).status, 401, 'still behind the admin token')
  t.equal((await get(adminBase, '/studio/ping')).status, 200)
  t.equal((await get(adminBase, '/healthz')).status, 200)
  t.same(await get(adminBase, '/connectors/nope/execute'), { status: 404, code: 'NOT_FOUND' }, 'no execute routes on the admin port')
})

t.test('without admin.port everything shares the one listener', async t => {
  const { app } = await fullApp([])
  t.teardown(async () => { await app.close() })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  t.equal(await app.listenAdmin(), undefined)
  t.equal((await get(base, '/admin/secrets', auth)).status, 200)
  t.equal((await get(base, '/healthz')).status, 200)
})

t.test('a body trickled byte by byte is cut at server.requestTimeoutMs', async t => {
  const { app } = await fullApp([{ name: 'Post', url: 'https://api.example.com/p', method: 'POST' }], { CONDUIT_SERVER_REQUEST_TIMEOUT_MS: '600' })
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  const started = Date.now()
  let answer = ''
  socket.on('data', (c: Buffer) => { answer += c.toString('utf8') })
  // A byte written after the server closed draws a reset: that ends the connection too.
  socket.on('error', () => {})
  socket.write('POST /connectors/post/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{')
  // Trickle until the server answers.
  const timer = setInterval(() => { if (!socket.destroyed && answer === '') socket.write(' ') }, 100)
  await new Promise<void>(resolve => socket.on('close', () => resolve()))
  clearInterval(timer)
  const elapsed = Date.now() - started
  t.match(answer, /^HTTP\/1\.1 408/, 'answered 408 Request Timeout')
  t.match(envelopeOf(answer), { success: false, errors: { code: 'REQUEST_TIMEOUT', detail: /requestTimeoutMs/ } }, 'with the error envelope')
  t.ok(elapsed >= 550 && elapsed < 2000, `cut after ${elapsed} ms`)
})

/** The JSON body of a raw HTTP answer. */
function envelopeOf (answer: string): unknown {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
}

/** Writes raw bytes and reads until the server closes. */
async function rawExchange (port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.on('data', (c: Buffer) => { answer += c.toString('utf8') })
  socket.on('error', () => {})
  socket.write(text)
  await new Promise<void>(resolve => socket.on('close', () => resolve()))
  return answer
}

t.test('what the HTTP parser refuses gets the error envelope, on both listeners', async t => {
  const { app } = await fullApp([], { CONDUIT_ADMIN_PORT: '0' })
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const admin = new URL(await app.listenAdmin() as string)
  for (const port of [(app.server.address() as { port: number }).port, Number(admin.port)]) {
    const smuggled = await rawExchange(port, 'POST /connectors/x/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')
    t.match(smuggled, /^HTTP\/1\.1 400 Bad Request\r\n/, `${port}: Content-Length with Transfer-Encoding is 400`)
    t.match(smuggled, /\r\nContent-Type: application\/json; charset=utf-8\r\n/)
    const body = envelopeOf(smuggled) as { request_id: string }
    t.match(body, { success: false, errors: { code: 'INVALID_REQUEST', detail: 'The request is not valid HTTP/1.1' } })
    t.match(smuggled, new RegExp(`\r\nX-Request-ID: ${body.request_id}\r\n`), 'the request id is the header\'s')
    const flood = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n' + Array.from({ length: 2000 }, (_, i) => `X-H${i}: value`).join('\r\n') + '\r\n\r\n')
    t.match(flood, /^HTTP\/1\.1 431 /, `${port}: headers over the limit are 431`)
    t.match(envelopeOf(flood), { success: false, errors: { code: 'HEADERS_TOO_LARGE', detail: /larger than the \d+ bytes/ } })
  }
})

t.test('an idle keep-alive connection is closed after server.keepAliveTimeoutMs, on both listeners', async t => {
  const { app } = await fullApp([], { CONDUIT_SERVER_KEEP_ALIVE_TIMEOUT_MS: '300', CONDUIT_ADMIN_PORT: '0' })
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const admin = new URL(await app.listenAdmin() as string)
  for (const port of [(app.server.address() as { port: number }).port, Number(admin.port)]) {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (c: Buffer) => { answer += c.toString('utf8') })
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n')
    const answered = Date.now()
    await new Promise<void>(resolve => socket.on('close', () => resolve()))
    const idle = Date.now() - answered
    t.match(answer, /^HTTP\/1\.1 200/)
    // Node keeps a socket up to a second past the timeout; its own default (5 s) would be far longer.
    t.ok(idle >= 250 && idle < 3000, `port ${port}: closed after ${idle} ms idle`)
  }
})
