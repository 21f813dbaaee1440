// The undici Dispatcher over node:http that conduit/testing uses: both handler styles (the
// callbacks of Dispatcher.request and the controller style of composed interceptors), bodies both
// ways, --connect-to, the guard, and the exchange hook contract recording relies on.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import type { Dispatcher } from 'undici'
import { HttpDispatcher } from '../../src/testing/http-dispatcher.js'
import type { IncomingResponse, OutgoingRequest } from '../../src/testing/http-dispatcher.js'

async function server (t: { teardown: (fn: () => unknown) => void }): Promise<number> {
  const s = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-seen-host': req.headers.host ?? '' })
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }))
    })
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => s.close(resolve)))
  return (s.address() as AddressInfo).port
}

t.test('Dispatcher.request and a composed interceptor both work', async t => {
  const port = await server(t)
  const exchanges: Array<[OutgoingRequest, IncomingResponse]> = []
  const d = new HttpDispatcher({ onExchange: (req, res) => exchanges.push([req, res]) })
  t.teardown(() => d.close())
  const r = await d.request({ origin: `http://127.0.0.1:${port}`, path: '/a?b=1', method: 'POST', headers: { authorization: 'Bearer x' }, body: '{"k":1}' })
  t.equal(r.statusCode, 201)
  t.same(await r.body.json(), { method: 'POST', url: '/a?b=1', body: '{"k":1}', auth: 'Bearer x' })
  t.equal(exchanges.length, 1)
  t.match(exchanges[0][0], { origin: `http://127.0.0.1:${port}`, method: 'POST', path: '/a?b=1', body: '{"k":1}', headers: { authorization: 'Bearer x', 'content-length': '7' } })
  t.equal(exchanges[0][1].status, 201)

  // What an interceptor chain passes down: controller-style handlers.
  const seen: string[] = []
  const composed = d.compose((dispatch: Dispatcher['dispatch']) => (opts, handler) => { seen.push(opts.path); return dispatch(opts, handler) })
  const viaUndici = await request(`http://127.0.0.1:${port}/composed`, { dispatcher: composed })
  t.equal(viaUndici.statusCode, 201)
  t.match(await viaUndici.body.json(), { url: '/composed', method: 'GET' })
  t.same(seen, ['/composed'])
})

t.test('connectTo keeps the Host of the URL; the guard refuses loopback; errors reach the caller', async t => {
  const port = await server(t)
  const mapped = new HttpDispatcher({ connectTo: { 'api.example.com:80': `127.0.0.1:${port}` } })
  t.teardown(() => mapped.close())
  const r = await mapped.request({ origin: 'http://api.example.com', path: '/x', method: 'GET' })
  t.equal(r.headers['x-seen-host'], 'api.example.com')
  await r.body.dump()

  const guarded = new HttpDispatcher({ guard: true })
  t.teardown(() => guarded.close())
  await t.rejects(guarded.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' }), { name: 'DestinationNotAllowedError' })
  await t.rejects(guarded.request({ origin: `http://localhost:${port}`, path: '/', method: 'GET' }), { name: 'DestinationNotAllowedError' })

  const plain = new HttpDispatcher()
  await t.rejects(plain.request({ origin: 'http://127.0.0.1:9', path: '/', method: 'GET' }), { code: 'ECONNREFUSED' })
  await plain.close()
  await t.rejects(plain.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' }), /closed/)
})
