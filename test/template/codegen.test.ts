/* eslint-disable no-template-curly-in-string -- literal ${…} text is what these tests feed the engine */
// Generated code and the Jinja2 semantics it implements. Expected outputs below were produced by
// Jinja2 3.1's SandboxedEnvironment(autoescape=False).
import t from 'tap'
import { generate, lit } from '../../src/template/codegen.js'
import { parse } from '../../src/template/parser.js'
import { TemplateRenderError, compileTemplate } from '../../src/template/index.js'
import type { RenderContext } from '../../src/template/index.js'
import { getAttr } from '../../src/template/runtime/access.js'
import { makeNamedTuple, pyRepr } from '../../src/template/runtime/values.js'

const render = (source: string, context: RenderContext = {}): string => compileTemplate(source, 'request_body').render(context)

t.test('lit() makes JS string literals with no eta delimiter characters', async t => {
  const text = "<%= it %> %> ` ${x} \\ ' \" \u2028 \n"
  const out = lit(text)
  t.notMatch(out, /[<>%\n\u2028]/)
  t.equal(JSON.parse(out), text)
})

t.test('template text never reaches the generated code raw', async t => {
  const code = generate(parse('<%= it.secrets %>{{ "%>" }}{# <% #}'), new Set()).code
  t.notMatch(code, /<%|%>/)
  const withoutStrings = code.replace(/"(?:[^"\\]|\\.)*"/g, '""')
  t.notMatch(withoutStrings, /secrets/, 'the text only appears inside string literals')
})

t.test('expressions follow Python semantics', async t => {
  const cases: Array<[string, string]> = [
    ['{{ 1 + 1.0 }}|{{ 3 - 2.5 }}|{{ 10 / 4 }}|{{ 4 / 2 }}|{{ 2 * 3.0 }}|{{ 7.5 // 2 }}|{{ 7 % -2.5 }}', '2.0|0.5|2.5|2.0|6.0|3.0|-0.5'],
    ['{{ 10 // 3 }} {{ -10 // 3 }} {{ 10 % -3 }} {{ -7 % 3 }} {{ 10.0 % 3 }} {{ 2 ** 0.5 }} {{ 4 ** 0.5 }} {{ 2 ** -1 }}', '3 -4 -2 2 1.0 1.4142135623730951 2.0 0.5'],
    ['{{ -2 ** 2 }} {{ 2**3**2 }}', '4 64'],
    ['{{ "x" * 3 }}{{ 3 * "x" }}{{ [1] * 2 }}{{ [1] + [2] }}{{ (1,) + (2,) }}', 'xxxxxx[1, 1][1, 2](1, 2)'],
    ['{{ true + 1 }} {{ true }} {{ none }} {{ 1e3 }} {{ 1.5e-7 }} {{ 0.1 + 0.2 }} {{ 1e16 }}', '2 True None 1000.0 1.5e-07 0.30000000000000004 1e+16'],
    ['{{ 0.000123 }} {{ 0.0000123 }} {{ 1 / 3 }} {{ 12345678901234567.0 }}', '0.000123 1.23e-05 0.3333333333333333 1.2345678901234568e+16'],
    ['{{ "a\\tb\\\\c\\\'d\\"e" }}|{{ [\'a\\\'b\', "c\\"d", "e\'f\\"g"] }}', 'a\tb\\c\'d"e|["a\'b", \'c"d\', \'e\\\'f"g\']'],
    ['{{ {"a": 1, "b": [1, 2.0], "c": none, "d": true} }}', "{'a': 1, 'b': [1, 2.0], 'c': None, 'd': True}"],
    ['{{ (1,) }} {{ () }} {{ (1, "a") }} {{ 1, 2 }}', "(1,) () (1, 'a') (1, 2)"],
    ['{{ "abc"[-1] }}{{ [1,2,3][-2] }}{{ [1,2,3,4,5][1:4:2] }}{{ "abcdef"[::2] }}{{ [1,2,3][5:] }}{{ [1,2,3][::-1] }}', 'c2[2, 4]ace[][3, 2, 1]'],
    ['{{ not none }} {{ 1 and 0 }} {{ "" or [] }} {{ 1 == 1.0 }} {{ "1" == 1 }} {{ true and none }}|{{ false or none }}', 'True 0 [] True False None|None'],
    ['{{ 1 if true }}|{{ 1 if false }}|{{ "y" if none else "n" }}|{{ "x" if 1 else "y" if 2 else "z" }}', '1||n|x'],
    ['{{ 1 < 2 }}{{ 2 <= 2 }}{{ "a" < "b" }}{{ [1, 2] < [1, 3] }}{{ 1 != 2 }}{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}', 'TrueTrueTrueTrueTrueTrueFalse'],
    ['{{ 1 in [1,2] }} {{ "b" not in "abc" }} {{ "k" in {"k":1} }} {{ (1, 2) == (1, 2) }} {{ [1, 2] == (1, 2) }}', 'True False True True False'],
    ['{{ -(3) }}{{ +3 }}{{ - 2.0 }}{{ -0.0 }}', '-33-2.0-0.0'],
    ['{{ "a" ~ 2.0 ~ true ~ [1] ~ none }}', 'a2.0True[1]None'],
    ['{{ "%s and %s" % ("a", "b") }}|{{ "%05.1f" % 3.14159 }}|{{ "%-4s|" % "ab" }}|{{ "%r" % "x" }}|{{ "%x" % 255 }}|{{ "%d%%" % 50 }}', "a and b|003.1|ab  ||'x'|ff|50%"],
    ["{{ 'a' 'b' }}{{ \"\\x41\\u00e9\\101\" }}", 'abAéA'],
    ['{{ {"a": {"b": 1}}["a"]["b"] }} {{ {"a": {"b": 1}}.a.b }} {{ [1,2].0 }}', '1 1 1'],
    ['{{ none.x }}|{{ [1][5] }}|{{ {"a":1}["b"] }}|{{ "ab"[5] }}', '|||'],
    ['{{ -0 * 3.0 }} {{ 0 * -1 * 1.0 }} {{ 1 // 0.1 }} {{ 4.0 % -2 }} {{ -0.5 // 1 }} {{ 2 ** 1000 }} {{ 2 ** 63 }}',
      '0.0 0.0 9.0 -0.0 -1.0 10715086071862673209484250490600018105614048117055336074437503883703510511249361224931983788156958581275946729175531468251871452856923140435984577574698574803934567774824230985421074605062371141877954182153046474983581941267398767559165543946077062914571196477686542167660429831652624386837205668069376 9223372036854775808']
  ]
  for (const [source, expected] of cases) t.equal(render(source), expected, source)
})

t.test('statements, whitespace control and newlines', async t => {
  const cases: Array<[string, string]> = [
    ['{% if false %}a{% elif 0 %}b{% elif "x" %}c{% else %}d{% endif %}', 'c'],
    ['  {%- if true %} x {% endif -%}  y', ' x y'],
    ['a  {#- comment -#}  b', 'ab'],
    ['{% raw %}{{ not parsed }}{% endraw %}', '{{ not parsed }}'],
    ['{% if true %}\nx\n{% endif %}\n', '\nx\n'],
    ['a\r\nb\rc\r\n', 'a\nb\nc'],
    ['{% for i in [1,2] -%}\n  {{ i }}\n{%- endfor %}', '12'],
    ['{% for x in "héllo" %}{{ x }}-{% endfor %}', 'h-é-l-l-o-'],
    ['{% for k in {"b": 1, "a": 2} %}{{ k }}{% endfor %}', 'ba'],
    ['{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }};{% else %}none{% endfor %}', '12;34;'],
    ['{% for i in [] %}x{% else %}empty{% endfor %}', 'empty'],
    ['{% for x in [1, 2] if x > 5 %}{{ x }}{% else %}none{% endfor %}', 'none'],
    ['{% for i in [1,2,3] %}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}', '032TrueFalse3 121FalseFalse3 210FalseTrue3 '],
    ['{% for i in [1,2,3] if i > 1 %}{{ loop.index }}/{{ loop.length }}{% endfor %}', '1/22/2'],
    ['{% for c in "ab" %}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}', 'b|a|'],
    ['{% for i in [1,2] %}{% for j in [3,4] %}{{ loop.index }}{{ i }}{{ j }} {% endfor %}{{ loop.index }}|{% endfor %}', '113 214 1|123 224 2|'],
    ['{% set x = 0 %}{% for i in [1,2,3] %}{{ x }}{% set x = x + 1 %}{{ x }}|{% endfor %}{{ x }}', '01|01|01|0'],
    ['{% for i in [1,2,3] %}{{ x }}{% set x = i %}{% endfor %}{{ x }}', ''],
    ['{% for i in [1] %}{% for i in [2] %}{{ i }}{% endfor %}{{ i }}{% endfor %}{{ i }}', '21'],
    ['{% if true %}{% set x = 5 %}{% endif %}{{ x }}', '5'],
    ['{% set ns = namespace(count=0) %}{% for i in [1,2,3] %}{% set ns.count = ns.count + i %}{% endfor %}{{ ns.count }}', '6'],
    ['{% set a, b = 1, 2 %}{{ a }}{{ b }}', '12'],
    ['{% set s %}  inner {{ 1 }}  {% endset %}[{{ s }}]', '[  inner 1  ]'],
    ['{% set s | upper %}abc{% endset %}{{ s }}', 'ABC'],
    ['{% set x = [] %}{{ x.append(1) }}{{ x }}', 'None[1]'],
    ["{% set d = {'k': [1, {'n': none}]} %}{{ d.k[1].n }}{{ d['k'][0] }}", 'None1']
  ]
  for (const [source, expected] of cases) t.equal(render(source), expected, source)
})

t.test('render errors carry the position of the failing node', async t => {
  const cases: Array<[string, RegExp, number, number]> = [
    ['{{ 1 }}\n  {{ 1 / 0 }}', /^division by zero/, 2, 8],
    ['{{ 5 % 0 }}', /^integer modulo by zero/, 1, 6],
    ['{{ 1 // 0.0 }}', /^float floor division by zero/, 1, 6],
    ["{{ 1 + 'a' }}", /^unsupported operand type\(s\) for \+: 'int' and 'str'/, 1, 6],
    ["{{ 'a' + 1 }}", /^can only concatenate str \(not "int"\) to str/, 1, 8],
    ["{{ 1 < 'a' }}", /^'<' not supported between instances of 'int' and 'str'/, 1, 6],
    ['{% set d = {} %}{{ d.a.b }}', /^'dict object' has no attribute 'a'/, 1, 24],
    ['{% for x in 5 %}{% endfor %}', /^'int' object is not iterable/, 1, 13],
    ['{% for a, b in [[1]] %}{% endfor %}', /^not enough values to unpack \(expected 2\)/, 1, 8],
    ['{% set x = 1 %}{% set x.a = 2 %}', /^cannot assign attribute on non-namespace object/, 1, 16],
    ['{{ "%d" % "x" }}', /%d format: a real number is required, not str/, 1, 9],
    ['{{ [1, "a"]|sort }}', /not supported between instances/, 1, 13],
    ['{{ [1][::0] }}', /slice step cannot be zero/, 1, 7],
    ['{{ 2.5 ** 1e3 }}', /Numerical result out of range/, 1, 8],
    ['{{ 0 ** -1 }}', /0.0 cannot be raised to a negative power/, 1, 6]
  ]
  for (const [source, message, line, column] of cases) {
    try {
      render(source)
      t.fail(`${source} should fail`)
    } catch (err) {
      t.ok(err instanceof TemplateRenderError, source)
      t.match((err as TemplateRenderError).message, message, source)
      t.same([(err as TemplateRenderError).line, (err as TemplateRenderError).column], [line, column], `${source}: position`)
    }
  }
})

t.test('named tuples (groupby results) read by field name and print as tuples', async t => {
  const group = makeNamedTuple(['Paris', [1]], ['grouper', 'list'])
  t.equal(getAttr(group, 'grouper'), 'Paris')
  t.same(getAttr(group, 'list'), [1])
  t.equal(pyRepr(group), "('Paris', [1])")
})

t.test('dict literals keep non-string keys for printing and iteration', async t => {
  t.equal(render("{{ {1: 'a', none: 'b', 'c': 2} }}"), "{1: 'a', None: 'b', 'c': 2}")
  t.equal(render("{% for k in {1: 'a'} %}{{ k + 1 }}{% endfor %}"), '2')
})

t.test('filter arguments bound at compile time keep Python binding and its errors', async t => {
  t.equal(render("{{ 2.675 | round(2) }} {{ 2.675 | round(precision=2) }} {{ 2.5 | round(method='floor') }} {{ 7 | round(-1) }}"), '2.67 2.67 2.0 10')
  t.equal(render("{{ [3, 1, 2] | sort(reverse=true) | join(d='-') }}|{{ [{'a': 2}, {'a': 1}] | sort(attribute='a', reverse=true) | map(attribute='a') | join }}"), '3-2-1|21')
  t.equal(render("{{ 'a b' | replace('b', new='c') }}|{{ none | default(default_value='x', boolean=true) }}|{{ 'abc' | upper }}"), 'a c|x|ABC')
  const list = '{% set xs = [] %}'
  t.equal(render(list + "{{ [{'k': 1}, {'k': 2}] | sort(attribute=(xs.append('a') or 'k'), reverse=(xs.append('r') is none)) }}{{ xs }}"), "[{'k': 2}, {'k': 1}]['a', 'r']",
    'keywords out of parameter order with side effects are still evaluated in source order')
  const errors: Array<[string, RegExp]> = [
    ['{{ 1.5 | round(1, precision=2) }}', /round\(\) got multiple values for argument 'precision'/],
    ['{{ 1.5 | round(digits=2) }}', /round\(\) got an unexpected keyword argument 'digits'/],
    ['{{ 1.5 | round(1, "common", 3) }}', /round\(\) takes at most 2 arguments \(3 given\)/],
    ["{{ 'ab' | replace('a') }}", /replace\(\) missing required argument 'new'/],
    ["{{ 'ab' | upper(1) }}", /upper\(\) takes at most 0 arguments \(1 given\)/],
    ["{{ 'ab' | upper(x=1) }}", /upper\(\) got an unexpected keyword argument 'x'/],
    ["{{ [1] | join(',', d=',') }}", /join\(\) got multiple values for argument 'd'/]
  ]
  for (const [source, message] of errors) {
    let err: unknown
    try { render(source) } catch (e) { err = e }
    if (err === undefined) {
      t.fail(`${source} should fail`)
      continue
    }
    t.ok(err instanceof TemplateRenderError || (err as Error).name === 'TemplateCompileError', source)
    t.match((err as Error).message, message, source)
  }
})

t.test('loop attributes without a loop object, in filtered and nested loops', async t => {
  const source = '{% for x in [5, 6, 7, 8] if x is even %}{% for y in "ab" %}' +
    '{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};' +
    '{% endfor %}[{{ loop.index }}/{{ loop.length }}{{ "," if not loop.last }}{{ loop.previtem }}]{% endfor %}'
  t.equal(render(source), '1021TrueFalse2;2110FalseTrue2;[1/2,]1021TrueFalse2;2110FalseTrue2;[2/26]')
})

t.test('round() matches Python digit for digit, ties included', async t => {
  // Python 3: repr(round(x, n)) for each case.
  const cases: Array<[string, number, string]> = [
    ['2.675', 2, '2.67'], ['0.125', 2, '0.12'], ['0.375', 2, '0.38'], ['1.5', 0, '2.0'], ['2.5', 0, '2.0'], ['-0.5', 0, '-0.0'],
    ['-0.04', 1, '-0.0'], ['1000000000000000.5', 0, '1000000000000000.0'], ['0.30000000000000004', 15, '0.3'], ['123.456', -1, '120.0'],
    ['1.0000000000000002', 15, '1.0'], ['5e-324', 3, '0.0'], ['0.285', 2, '0.28'], ['1.005', 2, '1.0'], ['-2.5', 0, '-2.0'],
    ['-2.675', 2, '-2.67'], ['0.00012345', 8, '0.00012345'], ['0.000012345', 9, '1.2345e-05'], ['99999999999999.98', 1, '100000000000000.0'],
    ['123.456', 15, '123.456'], ['-1234.5678', 3, '-1234.568'], ['0.5', 15, '0.5']
  ]
  for (const [x, n, expected] of cases) t.equal(render(`{{ ${x} | round(${n}) }}`), expected, `round(${x}, ${n})`)
  t.equal(render('{% set r = 142.857 | round(1) %}{{ 0.1 + 0.2 }} {{ r }} {{ r * 2 }} {{ r }}'), '0.30000000000000004 142.9 285.8 142.9',
    'a rounded value prints the same whatever was printed in between')
})

t.test('sort: stable, numeric and code-point order, Python errors for mixed types', async t => {
  const items = "[{'k': 1, 'n': 'a'}, {'k': 0.0, 'n': 'b'}, {'k': 1.0, 'n': 'c'}, {'k': -0.0, 'n': 'd'}, {'k': true, 'n': 'e'}]"
  t.equal(render(`{{ ${items} | sort(attribute='k') | map(attribute='n') | join }}`), 'bdace')
  t.equal(render(`{{ ${items} | sort(attribute='k', reverse=true) | map(attribute='n') | join }}`), 'acebd', 'equal keys keep their order when reversed')
  t.equal(render("{{ ['\u{10000}', '\uffff', 'b', 'B'] | sort(case_sensitive=true) | join('|') }}"), 'B|b|\uffff|\u{10000}', 'code points, not UTF-16 units')
  t.equal(render("{{ [{'a': 2, 'b': 1}, {'a': 1, 'b': 2}, {'a': 1, 'b': 1}] | sort(attribute='a,b') | map(attribute='b') | join }}"), '121')
  t.equal(render('{{ [[2], [1, 5], [1]] | sort }}'), '[[1], [1, 5], [2]]')
  t.throws(() => render("{{ [1, 'a'] | sort }}"), { message: /'<' not supported between instances of 'str' and 'int'|'<' not supported between instances of 'int' and 'str'/ })
  t.throws(() => render("{{ [{'k': 1}, {'k': none}] | sort(attribute='k') }}"), { message: /'<' not supported/ })
})

t.test('tojson escapes for HTML inside strings and keys, and in a string indent', async t => {
  t.equal(render("{{ {'<k>': \"a'&b\", 'é': '\\u2028'} | tojson }}"), '{"\\u003ck\\u003e": "a\\u0027\\u0026b", "\\u00e9": "\\u2028"}')
  t.equal(render("{{ [1, 'x'] | tojson(indent='<') }}"), '[\n\\u003c1,\n\\u003c"x"\n]')
  t.equal(render("{{ 'plain \"q\" \\\\ ' | json_encode }}"), '"plain \\"q\\" \\\\ "')
})

t.test('for … if with several distinct filters: the documented filtering recipe renders', async t => {
  // Was "internal error": the filtered loop's temporary collided with a hoisted filter constant.
  const source = "{% set d = response.body | from_json %}{% for r in d['items'] if r.is_public %}{{ r.name | tojson }}{% if not loop.last %},{% endif %}{% endfor %}"
  const body = '{"items": [{"name": "a", "is_public": true}, {"name": "b", "is_public": false}, {"name": "c", "is_public": true}]}'
  const out = compileTemplate(source, 'response_body').render({ response: { body, status_code: 200, headers: {} } })
  t.equal(out, '"a","c"')
})

t.test('every identifier the generated code declares is declared once', async t => {
  const source = [
    '{% set ns = namespace(n=0) %}{% set a, b = [1, 2] %}',
    '{% for k, v in {"x": 1} | dictsort if v | int > 0 and k | length %}{{ k | upper }}{{ v | string | trim }}{% endfor %}',
    '{% for x in [1, 2] | select("odd") if x | abs %}{% for y in [x] if y | string | length %}{{ loop.index }}{{ y | default(0) }}{% endfor %}{% endfor %}',
    '{% set t | upper %}{{ a or b }}{{ 1 < a < 3 }}{% endset %}{{ t | lower | replace("a", "b") }}{{ ns.n | round }}'
  ].join('')
  const code = generate(parse(source), new Set()).code
  const declared = [...code.matchAll(/\b(?:let|const)\s+([^=;]+?)\s*(?:=|;)/g)]
    .flatMap(m => (m[1] as string).split(',').map(s => s.trim()))
  t.ok(declared.length > 20)
  t.same(declared.filter((name, i) => declared.indexOf(name) !== i), [], 'no identifier declared twice')
  t.equal(render(source), 'X1111fblse0', 'as Jinja2 renders it')
})

t.test("a for loop's else body is a scope of its own, as in Jinja2 (its sets stay inside)", async t => {
  t.equal(render('{% for i in [] %}{% else %}{% set x = 1 %}{{ x }}{% endfor %}[{{ x }}]'), '1[]')
  t.equal(render('{% set x = 5 %}{% for i in [] %}{% else %}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}'), '65')
  t.equal(render('{% for i in [1, 2] %}{% set k = 0 %}{% for j in [] %}{% else %}{% set k = i %}{% endfor %}{{ k }}{% endfor %}'), '00')
  t.equal(render('{% set ns = namespace(a=0) %}{% for i in [] %}{% else %}{% set ns.a = 7 %}{% endfor %}{{ ns.a }}'), '7', 'a namespace is changed in place')
  t.equal(render('{% for i in [] %}{% else %}{% set ns3 = namespace() %}{% endfor %}{{ ns3 }}'), '')
})
