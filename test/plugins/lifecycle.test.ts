// Draining (SPEC §19): every response from the moment drain() is called closes its connection,
// including the responses of requests that were already in flight; before it, connections stay.
import t from 'tap'
import Fastify from 'fastify'
import lifecyclePlugin from '../../plugins/lifecycle.js'

t.test('drain() turns responses still to be sent, and all later ones, to Connection: close', async t => {
  const app = Fastify()
  await app.register(lifecyclePlugin)
  let release!: () => void
  const gate = new Promise<void>(resolve => { release = resolve })
  app.get('/slow', async () => { await gate; return { ok: true } })
  app.get('/fast', async () => ({ ok: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

  const before = await fetch(`${base}/fast`)
  t.equal(before.headers.get('connection'), 'keep-alive', 'not draining: the connection stays')
  const slow = fetch(`${base}/slow`)
  while (app.lifecycle.inFlight().length === 0) await new Promise(resolve => setTimeout(resolve, 5))
  t.equal(app.lifecycle.inFlight()[0].path, '/slow')
  app.lifecycle.drain()
  release()
  t.equal((await slow).headers.get('connection'), 'close', 'the request in flight at drain() closes')
  t.equal((await fetch(`${base}/fast`)).headers.get('connection'), 'close', 'a later one too')
  t.same(app.lifecycle.inFlight(), [])
})
