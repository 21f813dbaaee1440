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
    ['{% for a, b in [[1]] %}{% endfor %}', /^not enough values to unpack \(expected 2, got 1\)/, 1, 8],
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
