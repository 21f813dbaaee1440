import t from 'tap'
import { buildDebugView, debugHeader, DEBUG_HEADER_BUDGET, DEBUG_VALUE_MAX, TRUNCATED_MARKER } from '../../src/pipeline/debug-view.js'
import { execute } from '../../src/pipeline/execute.js'
import { compile, makeCall, makeDeps } from './fixtures/deps.js'

t.test('secret fields show their template, others are rendered, credentials masked', async t => {
  const c = compile({
    name: 'Dbg',
    url: "https://{{ get_variable('host') }}/items/{{ pathParams.id }}",
    method: 'POST',
    path_parameters: [{ key: 'id', overridable: true }],
    headers: [
      { key: 'Authorization', value: "Bearer {{ get_secret('tok') }}" },
      { key: 'X-Tenant', value: '{{ tenant_id }}' },
      { key: 'X-Free', value: 'dflt', overridable: true }
    ],
    query_parameters: [{ key: 'sig', value: "{{ get_secret('tok') }}" }, { key: 'n', value: '{{ 1 + 1 }}' }],
    authentication: { type: 'api_key', config: { key: 'X-Api-Key', value: "{{ get_secret('tok') }}", in: 'header' } },
    request_body: '{"v": {{ body_raw.v }}}',
    response_body: '{{ response.status_code }}',
    response_content_type: 'text/plain'
  })
  const { deps, resolver, agent } = makeDeps()
  resolver.secrets.set('tok', 'THE-SECRET')
  resolver.variables.set('host', 'api.example.com')
  agent.get('https://api.example.com').intercept({ path: '/items/7?sig=THE-SECRET&n=2&extra=1', method: 'POST' }).reply(200, 'ok')
  const call = makeCall({
    method: 'POST',
    pathParams: { id: '7' },
    query: [['extra', '1']],
    headers: { 'x-free': 'given' },
    bodyText: '{"v":3}',
    bodyRaw: { v: 3 },
    tenantId: 'acme',
    debug: {}
  })
  const result = await execute(c, call, deps)
  t.equal(result.status, 200)
  const view = buildDebugView(c, call, deps.clock)
  t.same(view, {
    url: 'https://api.example.com/items/7',
    method: 'POST',
    headers: { Authorization: "Bearer {{ get_secret('tok') }}", 'X-Tenant': 'acme', 'X-Free': 'given' },
    query_parameters: { sig: "{{ get_secret('tok') }}", n: '2', extra: '1' },
    authentication: { type: 'api_key', config: { key: 'X-Api-Key', value: '**********', in: 'header' } },
    request_body: '{"v": 3}',
    response_body: '{{ response.status_code }}',
    response_content_type: 'text/plain'
  })
  const header = debugHeader(view)
  t.notOk(header.includes('THE-SECRET'))
  t.same(JSON.parse(header), view)
})

t.test('the view is built even when the pipeline fails early', async t => {
  const c = compile({
    name: 'Early',
    url: 'https://api.example.com/items/{{ pathParams.id }}',
    path_parameters: [{ key: 'id', overridable: true }],
    headers: [{ key: 'X-Broken', value: "{{ '{' | from_json }}" }]
  })
  const { deps } = makeDeps()
  const call = makeCall({ debug: {} })
  await t.rejects(execute(c, call, deps), { code: 'MISSING_PATH_PARAMETERS' })
  const view = buildDebugView(c, call, deps.clock)
  t.equal(view.url, 'https://api.example.com/items/{{ pathParams.id }}', 'an unrenderable url shows its template')
  t.equal(view.headers['X-Broken'], "{{ '{' | from_json }}", 'a failing field shows its template')
})

t.test('long values are truncated with a marker', async t => {
  const c = compile({ name: 'Long', url: 'https://api.example.com/x', headers: [{ key: 'X-Long', value: 'v', overridable: true }] })
  const view = buildDebugView(c, makeCall({ headers: { 'x-long': 'y'.repeat(DEBUG_VALUE_MAX + 10) } }), Date.now)
  t.equal(view.headers['X-Long'], 'y'.repeat(DEBUG_VALUE_MAX) + TRUNCATED_MARKER)
})

t.test('the whole header stays within its budget and valid JSON', async t => {
  const headers = Array.from({ length: 6 }, (_, i) => ({ key: `X-H${i}`, value: 'v', overridable: true }))
  const c = compile({ name: 'Many', url: 'https://api.example.com/x', method: 'POST', headers })
  const callerHeaders: Record<string, string> = {}
  for (let i = 0; i < 6; i++) callerHeaders[`x-h${i}`] = String(i).repeat(3000)
  const view = buildDebugView(c, makeCall({ method: 'POST', headers: callerHeaders, bodyText: JSON.stringify({ big: 'b'.repeat(5000) }) }), Date.now)
  const header = debugHeader(view)
  t.ok(header.length <= DEBUG_HEADER_BUDGET, `${header.length} characters`)
  const parsed = JSON.parse(header)
  t.equal(parsed.url, 'https://api.example.com/x', 'short fields are untouched')
  t.ok((parsed.headers['X-H0'] as string).endsWith(TRUNCATED_MARKER))
  t.ok((parsed.request_body as string).endsWith(TRUNCATED_MARKER))
  t.equal(debugHeader(buildDebugView(c, makeCall({ method: 'POST' }), Date.now)).includes(TRUNCATED_MARKER), false, 'small views are not cut')
})
