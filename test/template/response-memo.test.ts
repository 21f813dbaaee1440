// A response template whose output depends only on the upstream status and body reuses its last
// output for the same answer (src/template/response-memo.ts). What a caller can observe must not
// change: every render through one compiled template, over generated sequences of answers and
// contexts, equals the render of a template compiled for that call alone, in output and in error.
import t, { type Test } from 'tap'
import { compileTemplate } from '../../src/template/index.js'
import type { FieldKind, RenderContext } from '../../src/template/index.js'
import { parse } from '../../src/template/parser.js'
import { check } from '../../src/template/checker.js'
import { readsOnlyResponseStatusAndBody } from '../../src/template/meta.js'
import { prng } from '../fixtures/prng.js'

function memoizable (source: string, kind: FieldKind = 'response_body'): boolean {
  const template = parse(source)
  return readsOnlyResponseStatusAndBody(template.body, check(template, kind).names)
}

t.test('which templates may reuse their output: only status and body of the response, no clock, no variables', async t => {
  const yes = [
    '{{ response.status_code }}',
    "{{ (response.body | from_json).items | map(attribute='id') | list | tojson }}",
    "{% if response['status_code'] == 200 %}{{ response['body'] }}{% endif %}",
    '{% set b = response.body | from_json %}{% for i in b.records if i.ok %}{{ i.id }}{% endfor %}',
    '{{ range(3) | list }}{{ dict(a=1) }}{% set ns = namespace(n=0) %}{{ ns.n }}{{ response.status_code }}'
  ]
  const no = [
    '{{ response.headers.etag }}',
    "{{ response['headers'] }}",
    '{{ response }}',
    '{{ response | tojson }}',
    '{% for k in response %}{{ k }}{% endfor %}',
    '{{ response.body }}{{ user.email }}',
    '{{ tenant_id }}{{ response.body }}',
    '{{ now() }}{{ response.body }}',
    '{% set response = {"body": 1} %}{{ response }}',
    '{% set r = response %}{{ r.body }}',
    '{{ "static" }}'
  ]
  for (const s of yes) t.ok(memoizable(s), s)
  for (const s of no) t.notOk(memoizable(s), s)
  t.ok(memoizable("{{ response.body }}{{ get_variable('v') }}", 'step_response_body') === false, 'get_variable in a step response')
})

/** The outcome a caller sees: the output, or the error's message. */
function outcome (render: () => string): string {
  try {
    return 'ok: ' + render()
  } catch (err) {
    return `error: ${(err as Error).name}: ${(err as Error).message}`
  }
}

/** Outputs run to 300,000 characters: a difference is shown by its start, not as a whole diff. */
function same (t: Test, found: string, wanted: string, message: string): void {
  if (found === wanted) t.pass(message)
  else t.fail(`${message}: ${JSON.stringify(found.slice(0, 120))} (${found.length}) is not ${JSON.stringify(wanted.slice(0, 120))} (${wanted.length})`)
}

// Templates of every kind of dependence: on the answer alone, and on what must defeat reuse.
const TEMPLATES = [
  '{% if response.status_code == 200 %}{{ (response.body | from_json).v | tojson }}{% else %}{{ response.status_code }}{% endif %}',
  '{{ response.body }}',
  '{{ response.body | length }}:{{ response.status_code }}',
  '{{ response.body }}/{{ user.email }}',
  '{{ response.headers.etag }}/{{ response.body }}',
  '{{ now() }}/{{ response.status_code }}',
  '{{ tenant_id }}/{{ response.body }}',
  // Work grows with the body: a small budget (a call carrying little data) must fail it.
  '{% for i in range(100) %}{% for c in response.body %}{{ c ~ c ~ c }}{% endfor %}{% endfor %}'
]

t.test('reusing an output never changes what a caller sees (generated sequences of answers)', async t => {
  const rand = prng(20261202)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]
  const bodies = ['{"v": 1}', '{"v": 2}', '{"v": [1, 2]}', 'not json', '', null, 'x'.repeat(999)]
  let fresh = 0
  for (const source of TEMPLATES) {
    for (const kind of ['response_body', 'step_response_body'] as const) {
      const shared = compileTemplate(source, kind)
      let previous: RenderContext | undefined
      for (let i = 0; i < 120; i++) {
        // Half the calls repeat the previous answer, decoded again into a new string as the pipeline does.
        const again = previous !== undefined && rand() < 0.5
        const last = previous?.response?.body
        const body = again ? (typeof last === 'string' ? Buffer.from(last).toString('utf8') : null) : pick(bodies)
        const context: RenderContext = {
          response: {
            status_code: again ? previous?.response?.status_code ?? 200 : pick([200, 200, 404]),
            body,
            headers: { etag: pick(['"a"', '"b"']) }
          },
          user: { id: 'u', email: pick(['a@example.com', 'b@example.com']) } as RenderContext['user'],
          tenant_id: pick(['t1', 't2']),
          clock: ((ms: number) => () => ms)(1_767_225_600_000 + Math.floor(rand() * 5) * 1000),
          // Data a call carries that the template does not read still sizes its budget.
          ...(rand() < 0.3 ? { request: { body_text: 'p'.repeat(600_000) } } : {})
        }
        const alone = compileTemplate(`${source}{# call ${fresh++} #}`, kind)
        same(t, outcome(() => shared.render(context)), outcome(() => alone.render(context)), `${kind} ${source} call ${i}`)
        previous = context
      }
    }
  }
})

t.test('an output reused only within the budget: the same answer fails when the call carries less data', async t => {
  const source = TEMPLATES[TEMPLATES.length - 1]
  const tpl = compileTemplate(source, 'step_response_body')
  const response = { status_code: 200, body: 'ab'.repeat(499) + 'a', headers: {} }
  const rich = outcome(() => tpl.render({ response, request: { body_text: 'p'.repeat(600_000) } }))
  t.equal(rich.length, 'ok: '.length + 3 * 999 * 100, 'renders with the budget of a large request')
  t.equal(outcome(() => tpl.render({ response: { ...response, body: Buffer.from(response.body).toString('utf8') } })), 'error: TemplateRenderError: work budget exceeded (line 1, column 26)',
    'the same answer with the budget of an empty request')
  same(t, outcome(() => tpl.render({ response, request: { body_text: 'p'.repeat(600_000) } })), rich, 'and again with the large request')
})
