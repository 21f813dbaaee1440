import t from 'tap'
import { templateFacts } from '../../src/template/meta.js'

t.test('parts: literal text and tags in source order, get_variable tags recognised from the AST', async t => {
  const facts = templateFacts("https://{{ get_variable('region') | default('eu', true) }}.api.example.com/{{ pathParams.id }}{% if x %}a{% endif %}")
  if (facts === undefined) throw new Error('parses')
  t.same(facts.parts.map(p => [p.tag, p.text, p.start]), [
    [false, 'https://', 0],
    [true, "{{ get_variable('region') | default('eu', true) }}", 8],
    [false, '.api.example.com/', 58],
    [true, '{{ pathParams.id }}', 75],
    [true, '{% if x %}', 94],
    [false, 'a', 104],
    [true, '{% endif %}', 105]
  ])
  t.same(facts.parts[1].tag && facts.parts[1].variable, { name: 'region', fallback: 'eu' })
  t.equal(facts.parts[3].tag && facts.parts[3].variable, undefined)
  for (const source of ["{{ get_variable('a') | upper }}", "{{ get_variable('a') ~ 'x' }}", "{{ get_variable('a') | default('x', 1) }}", '{{ get_variable(name) }}']) {
    const part = templateFacts(source)?.parts[0]
    t.equal(part?.tag === true ? part.variable : 'not a tag', undefined, source)
  }
})

t.test('reads: the attributes of a context name, with positions; other uses have no key', async t => {
  const source = "{{ pathParams.b }}/{{ pathParams['a'] }}\n{% for k in pathParams %}{{ k }}{% endfor %}{{ 'pathParams.x' }}"
  const reads = templateFacts(source)?.reads('pathParams')
  t.same(reads, [
    { key: 'b', line: 1, column: 4, offset: 3 },
    { key: 'a', line: 1, column: 23, offset: 22 },
    { key: undefined, line: 2, column: 13, offset: 53 }
  ])
  t.same(templateFacts('{{ steps.one.body }}{{ x.steps }}')?.reads('steps').map(r => r.key), ['one'], 'an attribute named steps is not a read of steps')
})

t.test('a template that does not parse has no facts', async t => {
  t.equal(templateFacts('{{ oops'), undefined)
  t.equal(templateFacts('{% if %}'), undefined)
})
