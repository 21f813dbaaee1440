// One test per cell of the availability table of SPEC §4.3 (plain kinds) and §15 (step kinds):
// allowed cells render, forbidden cells fail to compile with the stated message.
import t from 'tap'
import { FIELD_KINDS, TemplateCompileError, compileTemplate } from '../../src/template/index.js'
import type { FieldKind, RenderContext } from '../../src/template/index.js'

const CLOCK = (): number => 1_700_000_000_000

const context: RenderContext = {
  user: { id: 'u-1', email: 'ada@example.com', first_name: 'Ada', last_name: 'L', username: 'ada', profile_fields: { 7: 'seven' } },
  tenant_id: 'tenant-9',
  pathParams: { id: '42' },
  body_text: 'raw text',
  body_raw: { n: 1 },
  response: { body: { ok: true }, status_code: 201, headers: { 'content-type': 'application/json' } },
  steps: { first: { body: { token: 'abc' }, status_code: 200, headers: {} } },
  request: { body_text: 'rt', body_raw: null, headers: { 'x-a': 'h' }, query_parameters: { q: 'v' } },
  secrets: { api_key: 'S3CRET' },
  variables: { region: 'eu' },
  clock: CLOCK
}

const PLAIN: FieldKind[] = ['url', 'header', 'query', 'auth', 'request_body', 'response_body']
const STEP: FieldKind[] = FIELD_KINDS.filter(k => k.startsWith('step_'))

interface Row {
  label: string
  template: string
  expected: string | RegExp
  allowed: FieldKind[]
  message?: (kind: FieldKind) => string
}

const ROWS: Row[] = [
  { label: 'user.*', template: '{{ user.email }}/{{ user.profile_fields.by_id(7) }}', expected: 'ada@example.com/seven', allowed: [...FIELD_KINDS] },
  { label: 'tenant_id', template: '{{ tenant_id }}', expected: 'tenant-9', allowed: [...FIELD_KINDS] },
  { label: 'now()', template: '{{ now() }}', expected: '1700000000', allowed: [...FIELD_KINDS] },
  {
    label: 'get_secret()',
    template: "{{ get_secret('api_key') }}",
    expected: 'S3CRET',
    allowed: ['header', 'query', 'auth', 'step_header', 'step_query', 'step_auth'],
    message: k => `get_secret() is not available in ${k}: secrets resolve only in headers, query parameters and authentication`
  },
  {
    label: 'get_variable()',
    template: "{{ get_variable('region') }}",
    expected: 'eu',
    allowed: ['url', 'header', 'query', 'auth', ...STEP],
    message: k => `get_variable() is not available in ${k}: variables resolve only in the URL, headers, query parameters and authentication`
  },
  {
    label: 'jwt_encode()',
    template: "{{ jwt_encode({'sub': 'x'}, 'secret-key-of-32-bytes-long!!!!', 'HS256') }}",
    expected: /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/,
    allowed: ['url', 'header', 'query', 'auth', 'request_body', 'step_url', 'step_header', 'step_query', 'step_auth', 'step_request_body'],
    message: k => `jwt_encode() is not available in ${k}: response templates cannot sign tokens`
  },
  {
    label: 'pathParams.*',
    template: '{{ pathParams.id }}',
    expected: '42',
    allowed: ['url'],
    message: k => `pathParams is not available in ${k}: path parameters exist only in the URL${k.startsWith('step_') ? ' of a plain connector' : ''}`
  },
  {
    label: 'body_text',
    template: '{{ body_text }}',
    expected: 'raw text',
    allowed: ['request_body'],
    message: k => `body_text is not available in ${k}: the caller's payload exists only in request_body${k.startsWith('step_') ? ' (composite steps read request.body_text)' : ''}`
  },
  {
    label: 'body_raw',
    template: '{{ body_raw.n }}',
    expected: '1',
    allowed: ['request_body'],
    message: k => `body_raw is not available in ${k}: the caller's payload exists only in request_body${k.startsWith('step_') ? ' (composite steps read request.body_raw)' : ''}`
  },
  {
    label: 'response.*',
    template: "{{ response.status_code }} {{ response.body.ok }} {{ response.headers['content-type'] }}",
    expected: '201 True application/json',
    allowed: ['response_body', 'step_response_body'],
    message: k => `response is not available in ${k}: the upstream response exists only in response_body`
  },
  {
    label: 'steps.*',
    template: '{{ steps.first.body.token }} {{ steps.first.status_code }}',
    expected: 'abc 200',
    allowed: STEP,
    message: k => `steps is not available in ${k}: only composite step templates see steps and request`
  },
  {
    label: 'request.*',
    template: '{{ request.body_text }} {{ request.headers["x-a"] }} {{ request.query_parameters.q }}',
    expected: 'rt h v',
    allowed: STEP,
    message: k => `request is not available in ${k}: only composite step templates see steps and request`
  }
]

for (const row of ROWS) {
  t.test(row.label, async t => {
    for (const kind of [...PLAIN, ...STEP]) {
      if (row.allowed.includes(kind)) {
        const out = compileTemplate(row.template, kind).render(context)
        if (typeof row.expected === 'string') t.equal(out, row.expected, `${kind}: renders`)
        else t.match(out, row.expected, `${kind}: renders`)
      } else {
        const message = (row.message as (k: FieldKind) => string)(kind)
        t.throws(() => compileTemplate(row.template, kind), TemplateCompileError, `${kind}: rejected`)
        try {
          compileTemplate(row.template, kind)
        } catch (err) {
          const problems = (err as TemplateCompileError).problems
          t.equal(problems[0]?.message, message, `${kind}: message`)
          t.equal(problems[0]?.line, 1, `${kind}: line`)
          t.equal(problems[0]?.column, 4, `${kind}: column`)
        }
      }
    }
  })
}

t.test('the error message of the SPEC example, with its position', async t => {
  try {
    compileTemplate("https://api.example.com/{{ pathParams.id }}?k={{ get_secret('k') }}", 'url')
    t.fail('should not compile')
  } catch (err) {
    t.ok(err instanceof TemplateCompileError)
    t.same((err as TemplateCompileError).problems, [{
      message: 'get_secret() is not available in url: secrets resolve only in headers, query parameters and authentication',
      line: 1,
      column: 50
    }])
  }
})

t.test('every forbidden use is reported, not only the first', async t => {
  try {
    compileTemplate('{{ response.body }}\n{{ get_secret("a") }} {{ body_text }}', 'url')
    t.fail('should not compile')
  } catch (err) {
    const problems = (err as TemplateCompileError).problems
    t.same(problems.map(p => [p.line, p.column]), [[1, 4], [2, 4], [2, 26]])
  }
})

t.test('secret and variable names are collected, deduplicated, in order of first use', async t => {
  const tpl = compileTemplate("{{ get_secret('b') }}{{ get_variable('v') }}{{ get_secret(\"a\") }}{{ get_secret( 'b' ) }}", 'header')
  t.same(tpl.secretNames, ['b', 'a'])
  t.same(tpl.variableNames, ['v'])
})

t.test('names lists the context names a template reads', async t => {
  const tpl = compileTemplate('{{ user.id }}{% for x in pathParams %}{{ x }}{% endfor %}{% set tenant_id = 1 %}', 'url')
  t.same([...tpl.names].sort(), ['pathParams', 'user'])
})

t.test('anonymous callers: every user.* is None', async t => {
  const tpl = compileTemplate('{{ user.id }} {{ user.email }} {{ user.username }} {{ user.profile_fields }}', 'header')
  t.equal(tpl.render({}), 'None None None None')
  t.equal(tpl.render({ user: null }), 'None None None None')
  // As in Jinja2, a method of None is an error.
  t.throws(() => compileTemplate('{{ user.profile_fields.by_id(1) }}', 'header').render({ user: null }),
    { name: 'TemplateRenderError', message: "'None' has no attribute 'by_id' (line 1, column 29)" })
})
