// Draining (SPEC §19): every response from the moment drain() is called closes its connection,
// including the responses of requests that were already in flight; before it, connections stay.
import t from 'tap'
import Fastify from 'fastify'
import lifecyclePlugin from '../../plugins/lifecycle.js'
import { prng } from '../fixtures/prng.js'

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

t.test('inFlight() lists the requests still running, oldest first, whatever order they end in', async t => {
  const app = Fastify()
  await app.register(lifecyclePlugin)
  const gates = new Map<string, () => void>()
  app.get('/hold/:n', async request => {
    const n = (request.params as { n: string }).n
    await new Promise<void>(resolve => gates.set(n, resolve))
    return { n }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const rand = prng(19)
  const running: string[] = []
  const answers: Array<Promise<unknown>> = []
  for (let round = 0; round < 60; round++) {
    if (running.length === 0 || rand() < 0.55) {
      const n = String(round)
      answers.push(fetch(`${base}/hold/${n}`).then(r => r.json()))
      running.push(n)
      while (!gates.has(n)) await new Promise(resolve => setTimeout(resolve, 2))
    } else {
      // End one from anywhere in the list: the first, the last or one between.
      const [n] = running.splice(Math.floor(rand() * running.length), 1)
      gates.get(n)?.()
      while (app.lifecycle.inFlight().some(r => r.path === `/hold/${n}`)) await new Promise(resolve => setTimeout(resolve, 2))
    }
    t.same(app.lifecycle.inFlight().map(r => r.path), running.map(n => `/hold/${n}`), `round ${round}`)
  }
  for (const n of running) gates.get(n)?.()
  await Promise.all(answers)
  t.same(app.lifecycle.inFlight(), [])
})
