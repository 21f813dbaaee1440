// from_json reads JSON as Python's json.loads does (SPEC §4.1) on both of its paths: V8's JSON.parse
// with the rewritten tokens and lazily converted objects, and the hand parser. The expected reprs
// were recorded with Python 3.11: repr(json.loads(text)).
import t from 'tap'
import { parseJson, parseJsonByHand, parseJsonViaJsonParse } from '../../../../src/template/runtime/filters/from-json.js'
import { PyDict, isDict, makeDict, pyEquals, pyRepr } from '../../../../src/template/runtime/values.js'
import { toJson } from '../../../../src/template/runtime/tojson.js'
import { compileTemplate } from '../../../../src/template/index.js'
import { prng } from '../../../fixtures/prng.js'

const JSON_LOADS: Array<[string, string]> = [
  ['{"b": 1, "10": 2, "2": 3, "a": {"1": [1, {"0": 0}]}}', "{'b': 1, '10': 2, '2': 3, 'a': {'1': [1, {'0': 0}]}}"],
  ['{"x": 1, "\\u0031\\u0030": 2, "\\u00e9": 3}', "{'x': 1, '10': 2, '\u00e9': 3}"],
  ['{"a": 1, "b": 2, "a": 3}', "{'a': 3, 'b': 2}"],
  ['{"5": 1, "x": 0, "5": 2}', "{'5': 2, 'x': 0}"],
  ['{"01": 1, "-1": 2, "1.5": 3, "4294967295": 4, "4294967294": 5, " 7": 6}', "{'01': 1, '-1': 2, '1.5': 3, '4294967295': 4, '4294967294': 5, ' 7': 6}"],
  ['[9007199254740993, -9007199254740993, 12345678901234567890123, 9007199254740991, 1234567890123456, -1234567890123456789]', '[9007199254740993, -9007199254740993, 12345678901234567890123, 9007199254740991, 1234567890123456, -1234567890123456789]'],
  ['[-0, -0.0, 0.0, -0e0, 0, -0.5]', '[0, -0.0, 0.0, -0.0, 0, -0.5]'],
  ['[0.99999999999999999999, 5.0000000000000000001, 1e22, 2.5e1, 12345678901234567890.5, 1e400, -1e400, 1e-400, 1.5e300, 142.71428571428572, 0.1, 9.95]', '[1.0, 5.0, 1e+22, 25.0, 1.2345678901234567e+19, inf, -inf, 0.0, 1.5e+300, 142.71428571428572, 0.1, 9.95]'],
  ['{"a": NaN, "b": [Infinity, -Infinity], "c": {"d": -Infinity}}', "{'a': nan, 'b': [inf, -inf], 'c': {'d': -inf}}"],
  ['["\\ud800", "\\udc00x", "\\ud83d\\ude00", "\\u2028"]', "['\\ud800', '\\udc00x', '\ud83d\ude00', '\\u2028']"],
  ['{"a": "\\u0001I5", "b": 1.0}', "{'a': '\\x01I5', 'b': 1.0}"],
  ['["\\u0001F1.0", 2]', "['\\x01F1.0', 2]"],
  ['["a\\"b", "c\\\\", "\\\\\\"", "10", {"k\\\\": {"1": 2}}]', "['a\"b', 'c\\\\', '\\\\\"', '10', {'k\\\\': {'1': 2}}]"],
  ['{"3": {"2": {"1": [1.0, {"0": 12345678901234567890}]}}, "z": "\\"3\\": 4"}', "{'3': {'2': {'1': [1.0, {'0': 12345678901234567890}]}}, 'z': '\"3\": 4'}"],
  ['  [ 1 , 2.0 , { } , [ ] , { "10" : 1.0 } ]  ', "[1, 2.0, {}, [], {'10': 1.0}]"],
  ['{"__proto__": 1, "constructor": 2, "toString": [3]}', "{'__proto__': 1, 'constructor': 2, 'toString': [3]}"],
  ['[0.000000001, 999999.999999999, 0.05, 9.99, -0.05, 123456.000000001, 0.0000000001, 1.000000000, 9999999.99999999, 0.9999999999999999999, 99.99999999999999999]',
    '[1e-09, 999999.999999999, 0.05, 9.99, -0.05, 123456.000000001, 1e-10, 1.0, 9999999.99999999, 1.0, 100.0]'],
  ['[0.9, 9.99, 0.99999999, 0.9999999, 16.990000000000002, 0.00000001, 0.000000001, 0.0000000, 999999.9999999, 999999.99999999, 1.09, 1.90000000000000000001, 5.00000001]',
    '[0.9, 9.99, 0.99999999, 0.9999999, 16.990000000000002, 1e-08, 1e-09, 0.0, 999999.9999999, 999999.99999999, 1.09, 1.9, 5.00000001]']
]

t.test('both paths read every edge as json.loads does', async t => {
  for (const [text, repr] of JSON_LOADS) {
    t.equal(pyRepr(parseJson(text)), repr, `from_json: ${text}`)
    const fast = parseJsonViaJsonParse(text)
    if (!text.includes('\\u0001')) t.equal(pyRepr(fast), repr, `JSON.parse with rewrites: ${text}`)
    t.equal(pyRepr(parseJsonByHand(text)), repr, `hand parser: ${text}`)
  }
})

t.test('integer-like keys keep their place in the text, also in tojson and items()', async t => {
  const d = parseJson('{"b": 1, "10": 2, "2": {"9": 0, "1": 1}}') as PyDict
  t.same(d.keys(), ['b', '10', '2'])
  t.same((d.get('2') as PyDict).keys(), ['9', '1'])
  t.equal(toJson(d), '{"10": 2, "2": {"1": 1, "9": 0}, "b": 1}', 'tojson sorts the keys as text, as sort_keys does')
  const rendered = compileTemplate('{% for k, v in (body_text | from_json).items() %}{{ k }}={{ v }};{% endfor %}', 'request_body')
    .render({ body_text: '{"b": 1, "10": 2.0, "2": 30000000000000000001}' })
  t.equal(rendered, 'b=1;10=2.0;2=30000000000000000001;')
})

t.test('a dict with integer-like keys answers by its real keys, before and after a write', async t => {
  const d = parseJson('{"b": 1, "10": 2, "x": {"7": [3]}}') as PyDict
  t.equal(d.get('10'), 2)
  t.equal(d.getStr('10'), 2)
  t.equal(d.get(10), undefined, 'the int 10 is another key')
  t.equal(d.get('\u000110'), undefined, 'the marked name is no key')
  t.same(d.keys(), ['b', '10', 'x'])
  t.same(d.entries().map(([k]) => k), ['b', '10', 'x'])
  t.ok(pyEquals(d.get('x'), makeDict([['7', [3]]])))
  d.setStr('2', 3)
  t.equal(pyRepr(d), "{'b': 1, '10': 2, 'x': {'7': [3]}, '2': 3}")
  t.equal(d.get('10'), 2)
  const out = compileTemplate("{% set d = body_text | from_json %}{{ '10' in d }} {{ d['10'] }} {{ d.x['7'] }} {{ d.get('10') }} {{ d | dictsort }} {{ d.items() | list }}", 'request_body')
    .render({ body_text: '{"b": 1, "10": 2, "x": {"7": [3]}}' })
  t.equal(out, "True 2 [3] 2 [('10', 2), ('b', 1), ('x', {'7': [3]})] [('b', 1), ('10', 2), ('x', {'7': [3]})]")
})

t.test('a record-backed dict answers like any dict', async t => {
  const d = parseJson('{"a": {"l": [1]}, "__proto__": 5, "x": null}') as PyDict
  t.equal(d.size, 3)
  t.equal(d.get('toString'), undefined, 'members of Object.prototype are not keys')
  t.equal(d.get('constructor'), undefined)
  t.equal(d.get('__proto__'), 5, 'an own "__proto__" key is an entry')
  t.equal((parseJson('{"a": 1}') as PyDict).get('__proto__'), undefined, 'an absent one is not')
  t.equal(d.get('x'), null)
  t.equal(d.get(1), undefined, 'a non-str key is absent')
  t.throws(() => d.get([1]), /unhashable type: 'list'/)
  t.ok(pyEquals(d, makeDict([['x', null], ['__proto__', 5], ['a', makeDict([['l', [1]]])]])), 'equal to a dict with the same entries')
  t.equal(d.get('a'), d.get('a'), 'a nested dict is converted once: the same object on every read')
  d.set(7, 'seven')
  d.setStr('10', 'ten')
  t.equal(pyRepr(d), "{'a': {'l': [1]}, '__proto__': 5, 'x': None, 7: 'seven', '10': 'ten'}", 'writes keep the order')
  t.equal(pyRepr(parseJson('{}')), '{}')
  t.notOk(isDict(parseJson('[]')))
})

t.test('lists in a parsed value are shared and mutable, as in Python', async t => {
  const out = compileTemplate('{% set d = body_text | from_json %}{% set _ = d.a.l.append(2) %}{% set _ = d.a.l.append(d.b) %}{{ d }} {{ d.a is sameas d.a }}', 'request_body')
    .render({ body_text: '{"a": {"l": [1.0]}, "b": {"c": 12345678901234567890}}' })
  t.equal(out, "{'a': {'l': [1.0, 2, {'c': 12345678901234567890}]}, 'b': {'c': 12345678901234567890}} True")
})

t.test('nesting: 512 levels are read, 513 are refused, brackets inside strings do not count', async t => {
  for (const [open, close] of [['[', ']'], ['{"k": ', '}'], ['[{"k": ', '}]']] as const) {
    const levels = open.length > 6 ? 256 : 512
    const ok = open.repeat(levels) + '1' + close.repeat(levels)
    t.doesNotThrow(() => parseJson(ok), `${levels} × ${open}`)
    const deep = open.repeat(levels + 1) + '1' + close.repeat(levels + 1)
    t.throws(() => parseJson(deep), /nesting deeper than 512 levels/, `${levels + 1} × ${open}`)
  }
  t.equal((parseJson(JSON.stringify(['['.repeat(2000) + '{'.repeat(2000)])) as string[])[0]?.length, 4000)
})

/** Tokens where JSON.parse and json.loads differ, and strings that look like them. */
const SCALARS = ['0', '-0', '1', '-1', '1.0', '-0.0', '2.50', '1e2', '1E-2', '2.5e1', '9007199254740993', '-12345678901234567890',
  '123456789012345678.5', '0.99999999999999999999', '142.71428571428572', 'NaN', 'Infinity', '-Infinity', 'true', 'false',
  'null', '"s"', '"10"', '"a\\\\"', '"\\\\\\""', '"\\ud800"', '"\\u0031"', '"x\\"y\\": 1.0"', '1e400', '5.0000000000000000001']
const KEYS = ['a', '10', '2', '0', '01', '-1', 'a\\"b', '\\u0031\\u0032', '__proto__', 'toString', '', '\\u00e9', 'x\\\\']

/** A random JSON text made of the tokens above. */
function randomJson (rnd: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T
  const r = rnd()
  if (depth > 4 || r < 0.45) return pick(SCALARS)
  const n = Math.floor(rnd() * 5)
  const ws = (): string => pick(['', ' ', '\n  ', '\t'])
  if (r < 0.7) return '[' + Array.from({ length: n }, () => ws() + randomJson(rnd, depth + 1) + ws()).join(',') + ']'
  return '{' + Array.from({ length: n }, () => `${ws()}"${pick(KEYS)}"${ws()}:${ws()}${randomJson(rnd, depth + 1)}`).join(',') + '}'
}

t.test('the fast path and the hand parser agree on random documents', async t => {
  const rnd = prng(42)
  let mismatches = 0
  for (let i = 0; i < 3000; i++) {
    const text = randomJson(rnd, 0)
    const fast = pyRepr(parseJsonViaJsonParse(text))
    const hand = pyRepr(parseJsonByHand(text))
    if (fast !== hand) {
      mismatches++
      if (mismatches < 5) t.fail(`${text}: ${fast} != ${hand}`)
    }
  }
  t.equal(mismatches, 0)
})

t.test('the fast path and the hand parser agree on documents with more than 512 brackets', async t => {
  // Beyond 512 opening brackets the scan counts the nesting itself instead of skipping brackets.
  const rnd = prng(7)
  for (let i = 0; i < 20; i++) {
    const text = '[' + Array.from({ length: 300 }, () => randomJson(rnd, 1)).join(',') + ']'
    if (i === 0) t.ok(text.replace(/[^[{]/g, '').length > 512, 'more than 512 opening brackets')
    t.equal(pyRepr(parseJsonViaJsonParse(text)), pyRepr(parseJsonByHand(text)), `document ${i}`)
  }
})

t.test('rewritten tokens are charged to the work budget beyond their characters', async t => {
  // Texts of (nearly) one length: 15-digit ints JSON.parse reads as they are, and 64-bit ids, each
  // rewritten, then read as a BigInt.
  const plain = '[' + Array(20000).fill('123456789012345').join(',') + ']'
  const bigIds = '[' + Array(20000).fill('12345678901234567').join(',') + ']'
  const thrice = compileTemplate('{% for i in range(3) %}{{ body_text | from_json | length }}{% endfor %}', 'request_body')
  t.equal(thrice.render({ body_text: plain }), '200002000020000', 'small ints: three reads fit the budget')
  t.throws(() => thrice.render({ body_text: bigIds }), /work budget exceeded/, '64-bit ids: each read costs more, three do not fit')
  const once = compileTemplate('{{ body_text | from_json | length }}', 'request_body')
  t.equal(once.render({ body_text: bigIds }), '20000', 'one read of them does')
})

t.test('a payload of nothing but rewritten tokens (1 MiB of 1.0, NaN, ids as keys) is read within its budget', async t => {
  const MiB = 1024 * 1024
  const read = compileTemplate("{% set d = body_text | from_json %}{{ d | length }} {{ d['7'] if d is mapping else d[0] }}", 'request_body')
  const floats = '[' + Array(MiB / 4 - 1).fill('1.0').join(',') + ']'
  t.equal(read.render({ body_text: floats }), `${MiB / 4 - 1} 1.0`)
  const nans = '[' + Array(MiB / 4 - 1).fill('NaN').join(',') + ']'
  t.equal(read.render({ body_text: nans }), `${MiB / 4 - 1} nan`)
  const keys = '{' + Array.from({ length: MiB / 16 }, (_, i) => `"${i}":${i}.0`).join(',') + '}'
  t.equal(read.render({ body_text: keys }), `${MiB / 16} 7.0`)
})
