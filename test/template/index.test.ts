/* eslint-disable no-template-curly-in-string -- literal ${…} text is what these tests feed the engine */
import t from 'tap'
import { TemplateCompileError, TemplateRenderError, compileTemplate } from '../../src/template/index.js'
import type { RenderContext } from '../../src/template/index.js'
import { eta } from '../../src/template/eta.js'
import { JwtSigningError } from '../../src/template/runtime/jwt-encode.js'

t.test('a template without tags is static and renders its source', async t => {
  const tpl = compileTemplate('application/json; charset=<utf-8> `${x}`', 'header')
  t.equal(tpl.isStatic, true)
  t.equal(tpl.render({}), tpl.source)
  t.same(tpl.secretNames, [])
  t.equal(tpl.names.size, 0)
  const trailing = compileTemplate('text\n', 'request_body')
  t.equal(trailing.isStatic, false, 'Jinja2 drops the trailing newline, so the output differs from the source')
  t.equal(trailing.render({}), 'text')
  t.equal(compileTemplate('a{# note #}', 'url').isStatic, false)
})

t.test('compiled once, cached by source and kind', async t => {
  const original = eta.compile.bind(eta)
  let compiles = 0
  eta.compile = ((...args: Parameters<typeof eta.compile>) => { compiles++; return original(...args) }) as typeof eta.compile
  t.teardown(() => { eta.compile = original })
  const source = `{{ user.id }}-${Math.random()}`
  const a = compileTemplate(source, 'url')
  for (let i = 0; i < 5; i++) a.render({ user: { id: String(i), email: null, first_name: null, last_name: null, username: null, profile_fields: null } })
  t.equal(compiles, 1, 'rendering does not compile')
  t.equal(compileTemplate(source, 'url'), a, 'same source and kind: the cached template')
  t.equal(compiles, 1)
  t.not(compileTemplate(source, 'header'), a, 'another kind is compiled separately')
  t.equal(compiles, 2)
})

t.test('missing secrets and variables render the tag verbatim (SPEC §4.4)', async t => {
  const ctx: RenderContext = { secrets: { api_key: 'K' }, variables: { region: 'eu' } }
  const cases: Array<[string, string]> = [
    ["Bearer {{ get_secret('api_kye') }}", "Bearer {{ get_secret('api_kye') }}"],
    ["Bearer {{ get_secret('api_key') }}", 'Bearer K'],
    ['Bearer {{ get_secret("api_key") }}', 'Bearer K'],
    ["Bearer {{ get_secret( 'api_key' ) }}", 'Bearer K'],
    ['{{ get_secret( "nope" )|upper }}', '{{ get_secret( "nope" )|upper }}'],
    ["{{ get_secret('api_key') }}-{{ get_secret('b') }}", "K-{{ get_secret('b') }}"],
    ["{{ get_secret('api_key') ~ get_secret('b') }}", "{{ get_secret('api_key') ~ get_secret('b') }}"],
    ["x  {{- get_secret('b') -}}  y", "x{{- get_secret('b') -}}y"],
    ["{{ get_variable('region') }}/{{ get_variable('zone') }}", "eu/{{ get_variable('zone') }}"],
    ["{% set s = get_secret('b') %}[{{ s }}]{% if get_secret('b') %}yes{% else %}no{% endif %}", '[]no'],
    ["{% for i in [1, 2] %}{{ get_secret('b') }}{% endfor %}", "{{ get_secret('b') }}{{ get_secret('b') }}"]
  ]
  for (const [source, expected] of cases) t.equal(compileTemplate(source, 'header').render(ctx), expected, source)
  t.equal(compileTemplate("{{ get_secret('x') }}", 'auth').render({}), "{{ get_secret('x') }}", 'no secrets map at all')
})

t.test('a missing secret or variable directly under default is undefined: the default applies', async t => {
  const url = "https://{{ get_variable('crm_host') | default('api.hubapi.com') }}/crm/v3"
  t.equal(compileTemplate(url, 'url').render({}), 'https://api.hubapi.com/crm/v3', 'no variables map')
  t.equal(compileTemplate(url, 'url').render({ variables: {} }), 'https://api.hubapi.com/crm/v3', 'variable unset')
  t.equal(compileTemplate(url, 'url').render({ variables: { crm_host: 'eu.hubapi.com' } }), 'https://eu.hubapi.com/crm/v3', 'variable set')
  t.equal(compileTemplate(url, 'url').render({ variables: { crm_host: '' } }), 'https:///crm/v3', 'an empty value is defined: default() keeps it')
  const boolean = 'https://{{get_variable("crm_host")|default("api.hubapi.com", true)}}/v3'
  t.equal(compileTemplate(boolean, 'url').render({}), 'https://api.hubapi.com/v3')
  t.equal(compileTemplate(boolean, 'url').render({ variables: { crm_host: '' } }), 'https://api.hubapi.com/v3', 'default(…, true) also replaces a falsy value')
  t.equal(compileTemplate(boolean, 'url').render({ variables: { crm_host: 'x.example' } }), 'https://x.example/v3')
  t.equal(compileTemplate("https://{{ (get_variable('h')) | d('a.example') }}/", 'url').render({}), 'https://a.example/', 'parenthesised, d alias')

  const header = "Bearer {{ get_secret('token') | default('anonymous') }}"
  t.equal(compileTemplate(header, 'header').render({}), 'Bearer anonymous')
  t.equal(compileTemplate(header, 'header').render({ secrets: { token: 'T' } }), 'Bearer T')
  t.equal(compileTemplate("{{ get_secret('token') | default('x', true) | upper }}", 'auth').render({ secrets: {} }), 'X')

  // Anywhere else in the tag the §4.4 rule still holds.
  const verbatim = [
    "{{ get_secret('token') | upper | default('anon') }}",
    "{{ get_secret('a') | default('x') ~ get_secret('b') }}",
    "{{ get_secret('a') | default(get_secret('b')) }}",
    "{{ get_secret('b').x | default('y') }}"
  ]
  for (const source of verbatim) t.equal(compileTemplate(source, 'header').render({ secrets: { a: 'A' } }), source, source)
})

t.test('the registry example connector URL renders with its default host', async t => {
  const { readFileSync } = await import('node:fs')
  const registry = JSON.parse(readFileSync(new URL('../../config/connectors_registry.json', import.meta.url), 'utf8')) as { connectors: Array<{ url: string }> }
  const crm = registry.connectors.find(c => c.url.includes("get_variable('crm_host')"))
  if (crm === undefined) throw new Error('the example registry has no crm_host connector')
  const tpl = compileTemplate(crm.url, 'url')
  t.same(tpl.variableNames, ['crm_host'])
  t.equal(tpl.render({ pathParams: { contact_id: '42' } }), 'https://api.hubapi.com/crm/v3/objects/contacts/42')
  t.equal(tpl.render({ pathParams: { contact_id: '42' }, variables: { crm_host: 'api.eu1.hubapi.com' } }), 'https://api.eu1.hubapi.com/crm/v3/objects/contacts/42')
})

t.test('now() reads the context clock', async t => {
  const tpl = compileTemplate('{{ now() }} {{ now(offset=60) }}', 'url')
  t.equal(tpl.render({ clock: () => 1_000_500 }), '1000 1060')
})

t.test('user.profile_fields.by_id', async t => {
  const user = { id: '1', email: null, first_name: null, last_name: null, username: null, profile_fields: { 12: 'twelve', abc: 'x' } }
  const tpl = compileTemplate("{{ user.profile_fields.by_id(12) }}|{{ user.profile_fields.by_id('12') }}|{{ user.profile_fields.by_id(13) }}|{{ user.profile_fields.by_id(13) is defined }}", 'url')
  // A missing id is None, as dict.get answers (it was Undefined, which printed nothing).
  t.equal(tpl.render({ user }), 'twelve|twelve|None|True')
  t.throws(() => tpl.render({ user: { ...user, profile_fields: null } }), { message: /'None' has no attribute 'by_id'/ })
})

t.test('compile errors: one TemplateCompileError listing every problem', async t => {
  try {
    compileTemplate('{{ a }}{{ b }}', 'url')
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof TemplateCompileError)
    const e = err as TemplateCompileError
    t.same(e.problems, [
      { message: "unknown name 'a'", line: 1, column: 4 },
      { message: "unknown name 'b'", line: 1, column: 11 }
    ])
    t.equal(e.message, "unknown name 'a' (line 1, column 4); unknown name 'b' (line 1, column 11)")
  }
  t.throws(() => compileTemplate('{% if %}', 'url'), { name: 'TemplateCompileError', message: /expected an expression \(line 1, column 7\)/ })
})

t.test('source size limit is 64 KiB', async t => {
  t.equal(compileTemplate('{{ 1 }}' + 'a'.repeat(65536 - 7), 'request_body').render({}).length, 65530)
  t.throws(() => compileTemplate('{{ 1 }}' + 'a'.repeat(65537 - 7), 'request_body'), TemplateCompileError)
  t.throws(() => compileTemplate('é'.repeat(32769), 'request_body'), { message: /65538 bytes/ }, 'counted in UTF-8 bytes')
})

t.test('output bounds: 8 KiB for url/header/query/auth, 10 MiB for bodies', async t => {
  for (const kind of ['url', 'header', 'query', 'auth', 'step_url', 'step_header'] as const) {
    t.equal(compileTemplate("{{ 'x' * 8192 }}", kind).render({}).length, 8192, `${kind} at the limit`)
    t.throws(() => compileTemplate("{{ 'x' * 8193 }}", kind).render({}), { name: 'TemplateRenderError', message: /exceeds 8192 bytes/ }, kind)
  }
  t.throws(() => compileTemplate("{{ 'é' * 4097 }}", 'header').render({}), { message: /exceeds 8192 bytes/ }, 'counted in UTF-8 bytes')
  t.throws(() => compileTemplate('x'.repeat(9000), 'header').render({}), { message: /exceeds 8192 bytes/ }, 'static text too')
  for (const kind of ['request_body', 'response_body', 'step_request_body', 'step_response_body'] as const) {
    t.equal(compileTemplate("{{ 'x' * 100000 }}", kind).render({}).length, 100000, kind)
  }
})

t.test('an unexpected exception becomes a TemplateRenderError without its message', async t => {
  const user = {}
  Object.defineProperty(user, 'email', { enumerable: true, get () { throw new Error('leaky-internal-detail') } })
  const tpl = compileTemplate('{{ user.email }}', 'url')
  try {
    tpl.render({ user: user as RenderContext['user'] })
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof TemplateRenderError)
    t.notMatch((err as Error).message, /leaky/)
    t.match((err as Error).message, /internal error while rendering the template/)
  }
})

t.test('undefined values print as empty, None as None', async t => {
  const tpl = compileTemplate('[{{ tenant_id }}]{{ user.id }}{{ user.username }}', 'url')
  t.equal(tpl.render({}), '[]NoneNone')
  t.equal(tpl.render({ tenant_id: null }), '[None]NoneNone')
})

t.test('a JWT signing failure keeps its error class and gains a position', async t => {
  const tpl = compileTemplate("x\n{{ jwt_encode({'a': 1}, 'k', 'NOPE') }}", 'auth')
  try {
    tpl.render({})
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof JwtSigningError)
    t.ok(err instanceof TemplateRenderError)
    t.same([(err as TemplateRenderError).line, (err as TemplateRenderError).column], [2, 14])
    t.match((err as Error).message, /algorithm .* \(line 2, column 14\)$/)
  }
})

t.test('a template that is not a string is a compile error', async t => {
  t.throws(() => compileTemplate(42 as unknown as string, 'url'), { name: 'TemplateCompileError', message: 'a template must be a string, not number (line 1, column 1)' })
})

t.test('an unknown field kind is a compile error', async t => {
  t.throws(() => compileTemplate('x', 'body' as never), { name: 'TemplateCompileError', message: /unknown field kind 'body'/ })
})
