// Generators and iterators print as Jinja2 prints them (SPEC §4.1). The behaviour of these values
// (truth, single pass, laziness, errors) is in conformance/cases/iterators.json, recorded with
// Jinja2; their printed form holds a Python object address, which differs from run to run, so it is
// checked here with the address masked, as the fuzz replay masks it (test/template/fuzz/replay.ts).
import t from 'tap'
import { compileTemplate } from '../../src/template/index.js'

function render (template: string): string {
  return compileTemplate(template, 'header').render({ user: { id: 'u1' } } as never)
}

const ADDRESS = /^0x7f[0-9a-f]{10}$/

/** Jinja2 3.1's repr of what each filter returns, the address masked. */
const PRINTED: Array<[string, string]> = [
  ['[1, 2] | select', '<generator object select_or_reject at 0x…>'],
  ['[1, 2] | reject', '<generator object select_or_reject at 0x…>'],
  ["[{'a': 1}] | selectattr('a')", '<generator object select_or_reject at 0x…>'],
  ["[{'a': 1}] | rejectattr('a')", '<generator object select_or_reject at 0x…>'],
  ["[1] | map('string')", '<generator object sync_do_map at 0x…>'],
  ['[1] | unique', '<generator object sync_do_unique at 0x…>'],
  ['[1] | batch(2)', '<generator object do_batch at 0x…>'],
  ['[1] | slice(2)', '<generator object sync_do_slice at 0x…>'],
  ['{1: 2} | items', '<generator object do_items at 0x…>'],
  ['[1] | reverse', '<list_reverseiterator object at 0x…>'],
  ['(1, 2) | reverse', '<reversed object at 0x…>'],
  ['range(3) | reverse', '<range_iterator object at 0x…>'],
  ['{1: 2} | reverse', '<dict_reversekeyiterator object at 0x…>'],
  ['{1: 2}.keys() | reverse', '<dict_reversekeyiterator object at 0x…>'],
  ['{1: 2}.values() | reverse', '<dict_reversevalueiterator object at 0x…>'],
  ['{1: 2}.items() | reverse', '<dict_reverseitemiterator object at 0x…>'],
  ['user.nope | reverse', '<reversed object at 0x…>']
]

t.test('a generator or iterator prints as Jinja2 prints it, with an address', async t => {
  for (const [expr, printed] of PRINTED) {
    const out = render(`{{ ${expr} }}`)
    const address = out.match(/at (0x[0-9a-f]+)>$/)?.[1] ?? ''
    t.match(address, ADDRESS, `${expr}: an address shaped like CPython's`)
    t.equal(out.replace(address, '0x…'), printed, expr)
  }
})

t.test('one generator keeps its address; two have different ones', async t => {
  const out = render('{% set g = [1] | select %}{{ g }} {{ g | string }} {{ [1] | select }}')
  const [a, b, c] = out.split(' ').filter(w => w.startsWith('0x'))
  t.equal(a, b)
  t.not(a, c)
})

t.test('inside a container and through str(), the same repr', async t => {
  t.match(render("{{ [[1] | map('abs')] }}"), /^\[<generator object sync_do_map at 0x7f[0-9a-f]{10}>\]$/)
  t.match(render("{{ ([1] | select) ~ '' }}"), /^<generator object select_or_reject at 0x7f[0-9a-f]{10}>$/)
  t.equal(render('{{ ([1] | select) is lower }}'), 'True', 'the repr is lower case, as CPython writes it')
})

t.test('a method looked up but not called prints as Python prints it', async t => {
  const printed: Array<[string, string]> = [
    ['{}.items', '<built-in method items of dict object at 0x…>'],
    ["'a'.upper", '<built-in method upper of str object at 0x…>'],
    ['[1].append', '<built-in method append of list object at 0x…>'],
    ["{}.items | attr('x')", '']
  ]
  for (const [expr, expected] of printed) {
    t.equal(render(`{{ ${expr} }}`).replace(/0x7f[0-9a-f]{10}/, '0x…'), expected, expr)
  }
  t.equal(render("{% set d = {'a': 1} %}{{ [d.items, d.items] | unique | list | length }}"), '2', 'each lookup is a new method object')
  t.throws(() => render('{{ {}.items | tojson }}'), /Object of type builtin_function_or_method is not JSON serializable/)
})
