/* eslint-disable no-template-curly-in-string -- literal ${…} text is what these tests feed the engine */
// The sandbox (SPEC §4.1, §4.2, brief rule 1): no template can run code, reach outside its context
// or hang. Each attempt is either rejected at compile time (with line and column) or rendered as
// harmless text; nothing global is touched.
import t from 'tap'
import { TemplateCompileError, TemplateRenderError, compileTemplate } from '../../src/template/index.js'
import type { FieldKind, RenderContext } from '../../src/template/index.js'

const context: RenderContext = {
  user: { id: 'u1', email: 'e@x', first_name: null, last_name: null, username: null, profile_fields: { 1: 'one' } },
  secrets: { api_key: 'S3CRET' },
  response: { body: { a: 1 }, status_code: 200, headers: {} }
}

function problemsOf (source: string, kind: FieldKind = 'header'): Array<{ message: string, line: number, column: number }> {
  try {
    compileTemplate(source, kind)
  } catch (err) {
    if (err instanceof TemplateCompileError) return err.problems
    throw err
  }
  throw new Error(`expected a compile error for ${source}`)
}

const globalsBefore = Object.getOwnPropertyNames(globalThis).sort()

// A template that reached process.exit would end the test run: make such a call observable instead.
const realExit = process.exit
let exitCalls = 0
process.exit = ((): never => { exitCalls++; throw new Error('process.exit called') }) as typeof process.exit
t.teardown(() => { process.exit = realExit })

t.test('rejected at compile time', async t => {
  const cases: Array<[string, string[]]> = [
    ['{{ process.exit(1) }}', ["unknown name 'process'", "calling method 'exit' is not allowed"]],
    ["{{ this.constructor.constructor('return process')() }}", [
      "unknown name 'this'", "access to 'constructor' is not allowed", "access to 'constructor' is not allowed",
      "calling method 'constructor' is not allowed", 'calling this value is not allowed'
    ]],
    ["{{ ''.constructor }}", ["access to 'constructor' is not allowed"]],
    ['{{ user.__proto__ }}', ["access to '__proto__' is not allowed"]],
    ["{{ user['__proto__'] }}", ["access to '__proto__' is not allowed"]],
    ['{{ user.prototype }}', ["access to 'prototype' is not allowed"]],
    ['{{ user._private }}', ["attribute '_private' is not accessible"]],
    ['{{ range.constructor }}', ["'range' is a function", "access to 'constructor' is not allowed"]],
    ['{{ cycler }}', ["unknown name 'cycler'"]],
    ['{{ lipsum() }}', ["unknown name 'lipsum'", "calling 'lipsum' is not allowed"]],
    ['{{ globalThis }}', ["unknown name 'globalThis'"]],
    ['{{ user.email.format(1) }}', ["calling method 'format' is not allowed"]],
    ["{{ user|attr('__proto__') }}", ["access to '__proto__' is not allowed"]],
    ["{{ (user|attr('x'))() }}", ['calling this value is not allowed']],
    ['{{ user|nosuchfilter }}', ["unknown filter 'nosuchfilter'"]],
    ['{{ user is nosuchtest }}', ["unknown test 'nosuchtest'"]],
    ['{% macro m() %}{% endmacro %}', ["the 'macro' tag is not supported"]],
    ['{% include "x" %}', ["the 'include' tag is not supported"]]
  ]
  for (const [source, expected] of cases) {
    const problems = problemsOf(source)
    t.equal(problems.length, expected.length, `${source}: ${problems.length} problems`)
    expected.forEach((text, i) => {
      t.match(problems[i]?.message, text, `${source}: ${text}`)
      t.ok((problems[i]?.line ?? 0) >= 1 && (problems[i]?.column ?? 0) >= 1, `${source}: has a position`)
    })
  }
  t.equal(exitCalls, 0)
})

t.test('rendered as harmless text', async t => {
  const cases: Array<[string, string]> = [
    ['{{ [].map }}', ''],
    ['{{ (1).toString }}', ''],
    ["{{ 'x'.toString }}|{{ user.hasOwnProperty }}|{{ user.valueOf }}", '||'],
    ["{% set k = '__pro' ~ 'to__' %}{{ user[k] }}|{{ user['con' ~ 'structor'] }}|{{ user.profile_fields.by_id(k) }}", '||None'],
    ["{% set k = 'constructor' %}{{ ''[k] }}{{ [][k] }}{{ response.body[k] }}{{ user.profile_fields.by_id(k) }}", 'None'],
    ["{% set d = {'__pro' ~ 'to__': {'polluted': 1}} %}{{ d.polluted }}", ''],
    ["{{ dict(__proto__={'polluted': 1}).polluted }}", '']
  ]
  for (const [source, expected] of cases) {
    t.equal(compileTemplate(source, 'response_body').render(context), expected, source)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
  t.equal(exitCalls, 0)
})

t.test('an attribute of a run-time unsafe key is an error, not a value', async t => {
  const tpl = compileTemplate("{% set k = '__pro' ~ 'to__' %}{{ user[k].constructor_x }}", 'header')
  t.throws(() => tpl.render(context), TemplateRenderError)
})

t.test('bounds: never a hang', async t => {
  const range = compileTemplate('{% for x in range(10**9) %}x{% endfor %}', 'request_body')
  t.throws(() => range.render({}), { name: 'TemplateRenderError', message: /range limit exceeded/ })
  const nested = compileTemplate('{% set l = [1] * 1000 %}{% for a in l %}{% for b in l %}{% endfor %}{% endfor %}', 'request_body')
  t.throws(() => nested.render({}), { message: /loop limit exceeded: more than 100000 iterations/ })
  const big = compileTemplate("{{ 'x' * 10**9 }}", 'request_body')
  t.throws(() => big.render({}), TemplateRenderError)
  const header = compileTemplate("{{ 'x' * 9000 }}", 'header')
  t.throws(() => header.render({}), { message: /rendered output exceeds 8192 bytes/ })
  t.equal(compileTemplate("{{ 'x' * 8192 }}", 'header').render({}).length, 8192)
  const body = compileTemplate("{% set y = 'y' * 6000 %}{% for i in range(2000) %}{{ y }}{% endfor %}", 'request_body')
  t.throws(() => body.render({}), { message: /rendered output exceeds 10485760 bytes/ })
})

t.test('nesting 100 deep is a compile error', async t => {
  const source = '{% for x in [1] %}'.repeat(100) + 'x' + '{% endfor %}'.repeat(100)
  const problems = problemsOf(source, 'request_body')
  t.match(problems[0]?.message, 'nesting depth exceeds 64 levels')
  t.equal(problems[0]?.column, 64 * 18 + 1)
  const ok = '{% if true %}'.repeat(64) + '{% set y = 1 %}{{ y }}' + '{% endif %}'.repeat(64)
  t.equal(compileTemplate(ok, 'request_body').render({}), '1', '64 levels are allowed')
  const blockSet = '{% if true %}'.repeat(64) + '{% set y %}x{% endset %}' + '{% endif %}'.repeat(64)
  t.match(problemsOf(blockSet, 'request_body')[0]?.message, 'nesting depth exceeds 64 levels', 'a block set is a level too')
  t.match(problemsOf('{{ ' + '('.repeat(100) + '1' + ')'.repeat(100) + ' }}')[0]?.message, 'expression nested too deeply')
  t.match(problemsOf('{{ 1' + ' ~ 1'.repeat(5000) + ' }}')[0]?.message, 'expression too long')
})

t.test('a 100 KB template is a compile error', async t => {
  const problems = problemsOf('a'.repeat(100 * 1024), 'request_body')
  t.same(problems, [{ message: 'template source is 102400 bytes, more than the limit of 65536', line: 1, column: 1 }])
})

t.test('eta syntax and JS metacharacters come out byte for byte', async t => {
  const nasty = "<% it.x = 1 %> <%= it %> <%~ it %> <%- x -%> %> ` ${x} \\ \\n ' \" /* */ // \u2028 </script>"
  // In literal text.
  t.equal(compileTemplate(nasty + '{{ 1 }}', 'request_body').render({}), nasty + '1')
  t.equal(compileTemplate(nasty, 'request_body').render({}), nasty)
  // Inside string literals (escaped for the template's own string syntax).
  const asLiteral = "'" + nasty.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"
  t.equal(compileTemplate(`{{ ${asLiteral} }}`, 'request_body').render({}), nasty)
  t.equal(compileTemplate(`{% set s = ${asLiteral} %}[{{ s }}]`, 'request_body').render({}), `[${nasty}]`)
  // Inside comments: dropped entirely, and nothing in them runs.
  t.equal(compileTemplate(`a{# ${nasty.replace('#}', '')} #}b`, 'request_body').render({}), 'ab')
  // In raw blocks.
  t.equal(compileTemplate(`{% raw %}${nasty}{{ x }}{% endraw %}`, 'request_body').render({}), nasty + '{{ x }}')
  // A missing secret renders its tag source, which may itself contain metacharacters.
  t.equal(compileTemplate("x {{ get_secret('nope') ~ '<%= it %>`${1}`' }}", 'header').render({}), "x {{ get_secret('nope') ~ '<%= it %>`${1}`' }}")
})

t.test('unexpected failures never leak a JS message or stack', async t => {
  const tpl = compileTemplate('{{ user.x.y }}', 'header')
  try {
    tpl.render(context)
    t.fail('should throw')
  } catch (err) {
    t.ok(err instanceof TemplateRenderError)
    t.equal((err as Error).message, "'dict object' has no attribute 'x' (line 1, column 11)")
    t.notMatch((err as Error).message, /at |\.ts|node_modules/)
  }
})

t.test('values cannot grow without bound', async t => {
  const cases = [
    '{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}',
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    '{{ [1, 2] * 10**7 }}',
    "{{ '%999999999d' % 1 }}",
    "{{ '%.99999999f' % 1 }}"
  ]
  for (const source of cases) {
    t.throws(() => compileTemplate(source, 'request_body').render({}), { name: 'TemplateRenderError', message: /too large|work budget exceeded/ }, source)
  }
})

t.test('printing, joining and JSON-encoding big lists: linear, charged by what they write', async t => {
  const chars = 'ab'.repeat(150_000)
  const render = (source: string, body: string): string => compileTemplate(source, 'request_body').render({ body_text: body })
  // A list holding itself prints as Python prints it, in time linear in its size.
  t.equal(render('{% set l = [] %}{% for i in range(10000) %}{% set _ = l.append(l) %}{% endfor %}{{ l | string | length }}', ''), String(7 * 10000 - 2 + 2))
  // A 300,000-item list of a 300 KB payload prints, joins and encodes whole (within the budget).
  t.equal(render('{{ body_text | list | string | length }}', chars), String(300_000 * 5 - 2 + 2))
  t.equal(render("{{ body_text | list | join(',') | length }}", chars), String(300_000 * 2 - 1))
  t.equal(render('{{ body_text | list | tojson | length }}', chars), String(300_000 * 5 - 2 + 2))
  // Lists and tuples built in a loop over a payload are charged per item and per list built.
  for (const source of [
    '{% for x in body_text %}{% set y = [x] * 50 %}{% endfor %}',
    '{% for x in body_text %}{% set y = [x] * 5 + [x] * 5 %}{% endfor %}',
    '{% for x in body_text %}{% set y = ((x,),(x,),(x,),(x,),(x,),(x,),(x,),(x,),(x,),(x,)) %}{% endfor %}',
    // 300,000 strs that each need escapes.
    '{{ body_text | list | string | length }}'
  ]) {
    t.throws(() => render(source, source.includes('| string') ? '\n'.repeat(300_000) : 'x'.repeat(99_000)), { name: 'TemplateRenderError', message: /work budget exceeded/ }, source)
  }
})

// Runs last: after every template above was compiled and rendered.
t.test('nothing global was touched', async t => {
  t.same(Object.getOwnPropertyNames(globalThis).sort(), globalsBefore, 'no global was added or removed')
  t.equal(exitCalls, 0, 'process.exit was never called')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

t.test('a caller value nested past what json.loads reads is a render error, and the same value renders the same again', async t => {
  // One request renders several fields from the same objects (and a caller's verified claims are
  // kept between requests): a render cut short must not leave a half-converted copy behind.
  const lists = (depth: number): unknown => JSON.parse('['.repeat(depth) + '7' + ']'.repeat(depth))
  const dicts = (depth: number): unknown => JSON.parse('{"a":'.repeat(depth) + '[' + '['.repeat(depth) + '7' + ']'.repeat(depth) + ']' + '}'.repeat(depth))
  for (const [name, value] of [['lists', lists(100_000)], ['dicts over lists', dicts(20_000)]] as const) {
    for (const source of ['{{ body_raw }}', '{{ body_raw[0][0] }}', '{{ body_raw.a.a | tojson | length }}', '{{ body_raw | string | length }}']) {
      const outcomes = [0, 1].map(() => {
        try {
          return compileTemplate(source, 'request_body').render({ body_raw: value, user: null } as RenderContext)
        } catch (err) {
          t.type(err, TemplateRenderError, `${name} ${source}`)
          return 'error: ' + (err as Error).message
        }
      })
      t.match(outcomes[0], /^error: /, `${name} ${source} fails`)
      t.equal(outcomes[1], outcomes[0], `${name} ${source} fails again the same way`)
    }
  }
  const shallow = lists(999)
  t.equal(compileTemplate('{{ body_raw | string | length }}', 'request_body').render({ body_raw: shallow } as RenderContext), '1999', '999 levels are read')
})
