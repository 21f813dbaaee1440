import t from 'tap'
import { validateRegistryText } from '../../src/registry/load.js'
import type { CompositeConnector } from '../../src/registry/types.js'
import { executeComposite } from '../../src/pipeline/composite.js'
import { makeCall, makeDeps } from './fixtures/deps.js'

const ORIGIN = 'https://api.example.com'

function composite (def: Record<string, unknown>): CompositeConnector {
  const r = validateRegistryText(JSON.stringify({ composite_connectors: [def] }), { allowInsecure: false, allowPrivateNetworks: false }, 'test')
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
  return r.composites[0]
}

const TWO_STEPS = {
  name: 'Contact with company',
  steps: [
    {
      name: 'contact',
      url: `${ORIGIN}/contacts/{{ request.query_parameters.id }}`,
      headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('tok') }}" }]
    },
    {
      name: 'company',
      url: `${ORIGIN}/companies/{{ (steps.contact.body | from_json).company_id }}`,
      headers: [{ key: 'Authorization', value: "Bearer {{ get_secret('tok') }}" }],
      response_body: '{{ {"contact": (steps.contact.body | from_json).name, "company": (response.body | from_json).name, "first": steps.contact.status_code} | tojson }}',
      response_content_type: 'application/json'
    }
  ]
}

t.test('steps run in order, see earlier steps and the request; the last answer is returned', async t => {
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('tok', 'T')
  const auths: string[] = []
  const pool = agent.get(ORIGIN)
  pool.intercept({ path: '/contacts/7', method: 'GET' }).reply((o) => {
    auths.push((o.headers as Record<string, string>).Authorization)
    return { statusCode: 200, data: '{"name":"Ada","company_id":"c9"}', responseOptions: { headers: { 'content-type': 'application/json' } } }
  })
  pool.intercept({ path: '/companies/c9', method: 'GET' }).reply(200, '{"name":"Analytical Engines"}', { headers: { 'content-type': 'application/json' } })
  const call = makeCall({ method: 'POST', query: [['id', '7']] })
  const result = await executeComposite(composite(TWO_STEPS), call, deps)
  t.equal(result.status, 200)
  t.same(JSON.parse(result.body as string), { contact: 'Ada', company: 'Analytical Engines', first: 200 })
  t.equal(result.headers['content-type'], 'application/json')
  t.same(auths, ['Bearer T'])
  t.same(call.timing.steps.map(s => s.name), ['contact', 'company'])
  t.match(call.timing.headers('r')['server-timing'], /step\.contact;dur=[\d.]+;desc="contact", step\.company;dur=/)
  t.equal(resolver.resolveCalls, 1, 'secrets resolved once for all steps')
})

t.test('a step answering 4xx is 502 naming the step', async t => {
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('tok', 'T')
  agent.get(ORIGIN).intercept({ path: '/contacts/1', method: 'GET' }).reply(404, '{}')
  await t.rejects(executeComposite(composite(TWO_STEPS), makeCall({ method: 'POST', query: [['id', '1']] }), deps), {
    code: 'COMPOSITE_STEP_FAILED',
    status: 502,
    scope: "Composite step 'contact' (index 0): Downstream (HTTP error)"
  })
})

t.test('network and template errors are scoped to the step', async t => {
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('tok', 'T')
  agent.get(ORIGIN).intercept({ path: '/contacts/2', method: 'GET' }).replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
  await t.rejects(executeComposite(composite(TWO_STEPS), makeCall({ method: 'POST', query: [['id', '2']] }), deps), {
    code: 'UPSTREAM_UNREACHABLE',
    status: 502,
    scope: "Composite step 'contact' (index 0): Downstream (network/external service)"
  })
  const broken = composite({
    name: 'Broken',
    steps: [{ name: 'only', url: `${ORIGIN}/x`, headers: [{ key: 'X', value: "{{ '{' | from_json }}" }] }]
  })
  await t.rejects(executeComposite(broken, makeCall({ method: 'POST' }), deps), {
    code: 'TEMPLATE_RENDER_ERROR',
    status: 422,
    scope: "Composite step 'only' (index 0): Configuration (template rendering)"
  })
})
