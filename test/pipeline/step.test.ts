import t from 'tap'
import { validateRegistryText } from '../../src/registry/load.js'
import { execute } from '../../src/pipeline/execute.js'
import { executeComposite } from '../../src/pipeline/composite.js'
import { composeSend, type Outbound, type StepInterceptor } from '../../src/pipeline/step.js'
import { compile, makeCall, makeDeps } from './fixtures/deps.js'

const ORIGIN = 'https://api.example.com'

t.test('interceptors wrap the upstream call of a connector and of every composite step, outermost first', async t => {
  const { deps, agent, resolver } = makeDeps()
  resolver.secrets.set('tok', 'T')
  agent.get(ORIGIN).intercept({ path: /^\/(a|b)/, method: 'GET' }).reply(200, '{"n":1}', { headers: { 'content-type': 'application/json' } }).persist()
  const order: string[] = []
  const seen: Outbound[] = []
  const outer: StepInterceptor = next => async req => {
    order.push('outer')
    seen.push(req)
    const res = await next(req)
    order.push(`outer:${res.status}`)
    return res
  }
  const inner: StepInterceptor = next => async req => { order.push('inner'); return await next(req) }
  const withSend = { ...deps, send: composeSend([outer, inner]) }

  const c = compile({ name: 'A', url: `${ORIGIN}/a`, headers: [{ key: 'X-Key', value: "{{ get_secret('tok') }}" }] })
  const result = await execute(c, makeCall(), withSend)
  t.equal(result.status, 200)
  t.same(order, ['outer', 'inner', 'outer:200'])
  t.equal(seen[0].permalink, 'a')
  t.equal(seen[0].url, `${ORIGIN}/a`)
  t.equal(seen[0].headers['X-Key'], 'T', 'the interceptor sees the final headers, authentication included')
  t.equal(seen[0].read, 'forward')

  const r = validateRegistryText(JSON.stringify({ composite_connectors: [{ name: 'Both', steps: [{ name: 'one', url: `${ORIGIN}/a` }, { name: 'two', url: `${ORIGIN}/b` }] }] }),
    { allowInsecure: false, allowPrivateNetworks: false }, 'test')
  order.length = 0
  await executeComposite(r.composites[0], makeCall({ method: 'POST' }), withSend)
  t.same(order, ['outer', 'inner', 'outer:200', 'outer', 'inner', 'outer:200'], 'once per step')
  t.same(seen.slice(1).map(o => [o.permalink, o.url, o.read]), [['both', `${ORIGIN}/a`, 'whole'], ['both', `${ORIGIN}/b`, 'whole']])
})

t.test('an interceptor may answer without the upstream; the response template still runs', async t => {
  const { deps } = makeDeps()
  const cached: StepInterceptor = () => async req => {
    req.timing.cacheHit = true
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"from":"cache"}') }
  }
  const c = compile({ name: 'C', url: `${ORIGIN}/c`, response_body: '{{ (response.body | from_json).from }}' })
  const call = makeCall()
  const result = await execute(c, call, { ...deps, send: composeSend([cached]) })
  t.equal(result.body, 'cache')
  t.match(call.timing.headers('r')['server-timing'], /desc="Cache Hit"/)
})
