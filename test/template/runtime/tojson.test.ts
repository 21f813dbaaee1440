import t from 'tap'
import { toJson, jsonEncode as jsonEncodeOfValue, jsonString, pyJsonDumps } from '../../../src/template/runtime/tojson.js'
import { Namespace, PyFloat, UNDEFINED, fromHost, makeTuple } from '../../../src/template/runtime/values.js'

/** tojson of a host value (plain objects are dicts, as in a render context). */
const toJsonOf = (value: unknown, indent?: unknown): string => toJson(fromHost(value), indent)
const jsonEncodeOf = (value: unknown, indent?: unknown): string => jsonEncodeOfValue(fromHost(value), indent)
import { TemplateRenderError } from '../../../src/template/types.js'

// Expected strings below are what Jinja2 3.1's |tojson printed for the same values.
t.test('tojson is byte-identical to Jinja2: sorted keys, HTML-safe escapes, ensure_ascii', async t => {
  const value = {
    b: [1, new PyFloat(2), null, true, makeTuple([3])],
    a: "<script>&'\"",
    é: '\u{1F600}\n\x7f\x00'
  }
  t.equal(toJsonOf(value),
    '{"a": "\\u003cscript\\u003e\\u0026\\u0027\\"", "b": [1, 2.0, null, true, [3]], "\\u00e9": "\\ud83d\\ude00\\n\\u007f\\u0000"}')
  t.equal(toJsonOf('\u2028\ud800'), '"\\u2028\\ud800"')
})

t.test('tojson prints floats as Python repr', async t => {
  t.equal(toJsonOf([1e-5, new PyFloat(1e16), 0.1, new PyFloat(1.5e300), new PyFloat(-0), new PyFloat(100)]),
    '[1e-05, 1e+16, 0.1, 1.5e+300, -0.0, 100.0]')
  t.equal(toJsonOf([NaN, Infinity, -Infinity]), '[NaN, Infinity, -Infinity]')
})

t.test('tojson(indent) uses "," and ": " separators and newlines like json.dumps', async t => {
  t.equal(toJsonOf({ a: { c: 1, b: [] }, d: {} }, 2), '{\n  "a": {\n    "b": [],\n    "c": 1\n  },\n  "d": {}\n}')
  t.equal(toJsonOf([1, [2]], 0), '[\n1,\n[\n2\n]\n]')
  t.equal(toJsonOf([1], '\t'), '[\n\t1\n]')
  t.throws(() => toJsonOf([1], [2]), /indent must be an integer or a string/)
})

t.test('sort_keys orders by code point, as Python does', async t => {
  t.equal(toJsonOf({ '\uffff': 4, '\u{1F600}': 3, a: 2, Z: 1 }), '{"Z": 1, "a": 2, "\\uffff": 4, "\\ud83d\\ude00": 3}')
})

t.test('dicts of one level with other keys are each sorted (the key order of the last dict is reused only for the same keys)', async t => {
  const records = [{ b: 1, a: 2 }, { c: 1, a: 2 }, { a: { z: 1, y: 2 }, b: [{ q: 1, p: 2 }, { p: 3, r: 4 }] }, { b: 1, a: 2 }]
  t.equal(toJsonOf(records), '[{"a": 2, "b": 1}, {"a": 2, "c": 1}, {"a": {"y": 2, "z": 1}, "b": [{"p": 2, "q": 1}, {"p": 3, "r": 4}]}, {"a": 2, "b": 1}]')
  t.equal(jsonEncodeOf(records), '[{"b": 1, "a": 2}, {"c": 1, "a": 2}, {"a": {"z": 1, "y": 2}, "b": [{"q": 1, "p": 2}, {"p": 3, "r": 4}]}, {"b": 1, "a": 2}]')
})

t.test('a value shared twice is no cycle; a cycle is found at any depth', async t => {
  const shared = [1]
  t.equal(toJsonOf([shared, { a: shared }, [[shared]]]), '[[1], {"a": [1]}, [[[1]]]]')
  /** Lists nested `depth` levels deep, the innermost holding `back` (the top, itself, or nothing). */
  const nested = (depth: number, back: 'top' | 'self' | 'none'): unknown[] => {
    const top: unknown[] = []
    let inner = top
    for (let i = 0; i < depth; i++) {
      const next: unknown[] = []
      inner.push(next)
      inner = next
    }
    if (back !== 'none') inner.push(back === 'top' ? top : inner)
    return top
  }
  for (const depth of [3, 15, 16, 17, 40]) {
    t.equal(toJsonOf(nested(depth, 'none')), '['.repeat(depth + 1) + ']'.repeat(depth + 1), `${depth} levels, no cycle`)
    t.throws(() => toJsonOf(nested(depth, 'top')), /Circular reference detected/, `a cycle back from level ${depth}`)
    t.throws(() => toJsonOf(nested(depth, 'self')), /Circular reference detected/, `a list holding itself at level ${depth}`)
  }
})

t.test('values Python cannot serialize raise a render error', async t => {
  t.throws(() => toJsonOf(UNDEFINED), new TemplateRenderError('Object of type Undefined is not JSON serializable'))
  t.throws(() => toJsonOf([new Namespace()]), /Object of type Namespace is not JSON serializable/)
  const cyclic: unknown[] = []
  cyclic.push(cyclic)
  t.throws(() => toJsonOf(cyclic), /Circular reference detected/)
  t.throws(() => jsonEncodeOf({ a: UNDEFINED }), /Undefined is not JSON serializable/)
})

t.test('json_encode is json.dumps: insertion order, no HTML escapes, ASCII only', async t => {
  t.equal(jsonEncodeOf({ b: 1, a: [new PyFloat(1), 'é<'] }), '{"b": 1, "a": [1.0, "\\u00e9<"]}')
  t.equal(jsonEncodeOf({ b: 1, a: [new PyFloat(1), 'é<'] }, 2), '{\n  "b": 1,\n  "a": [\n    1.0,\n    "\\u00e9<"\n  ]\n}')
  t.equal(jsonEncodeOf("'&'"), '"\'&\'"')
})

t.test('jsonString escapes quotes, backslashes and control characters', async t => {
  t.equal(jsonString('a"b\\c\b\f\r\t\x01'), '"a\\"b\\\\c\\b\\f\\r\\t\\u0001"')
  t.equal(pyJsonDumps(fromHost({ a: [1, 2] }), { sortKeys: false, indent: null, separators: [',', ':'] }), '{"a":[1,2]}')
})

t.test('long lists and dicts of scalars (written by one join) match Jinja2 too', async t => {
  const list = Array.from({ length: 70 }, (_, i) => i % 3 === 0 ? (i % 2 === 0 ? new PyFloat(i / 2) : i / 2) : i % 3 === 1 ? `<s${i}>` : null)
  const dict = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${String(99 - i).padStart(3, '0')}`, i % 2 === 1 ? i : `v&${i}`]))
  t.equal(toJsonOf(list), '[0.0, "\\u003cs1\\u003e", null, 1.5, "\\u003cs4\\u003e", null, 3.0, "\\u003cs7\\u003e", null, 4.5, "\\u003cs10\\u003e", null, 6.0, "\\u003cs13\\u003e", null, 7.5, "\\u003cs16\\u003e", null, 9.0, "\\u003cs19\\u003e", null, 10.5, "\\u003cs22\\u003e", null, 12.0, "\\u003cs25\\u003e", null, 13.5, "\\u003cs28\\u003e", null, 15.0, "\\u003cs31\\u003e", null, 16.5, "\\u003cs34\\u003e", null, 18.0, "\\u003cs37\\u003e", null, 19.5, "\\u003cs40\\u003e", null, 21.0, "\\u003cs43\\u003e", null, 22.5, "\\u003cs46\\u003e", null, 24.0, "\\u003cs49\\u003e", null, 25.5, "\\u003cs52\\u003e", null, 27.0, "\\u003cs55\\u003e", null, 28.5, "\\u003cs58\\u003e", null, 30.0, "\\u003cs61\\u003e", null, 31.5, "\\u003cs64\\u003e", null, 33.0, "\\u003cs67\\u003e", null, 34.5]')
  t.equal(toJsonOf(dict), '{"k030": 69, "k031": "v\\u002668", "k032": 67, "k033": "v\\u002666", "k034": 65, "k035": "v\\u002664", "k036": 63, "k037": "v\\u002662", "k038": 61, "k039": "v\\u002660", "k040": 59, "k041": "v\\u002658", "k042": 57, "k043": "v\\u002656", "k044": 55, "k045": "v\\u002654", "k046": 53, "k047": "v\\u002652", "k048": 51, "k049": "v\\u002650", "k050": 49, "k051": "v\\u002648", "k052": 47, "k053": "v\\u002646", "k054": 45, "k055": "v\\u002644", "k056": 43, "k057": "v\\u002642", "k058": 41, "k059": "v\\u002640", "k060": 39, "k061": "v\\u002638", "k062": 37, "k063": "v\\u002636", "k064": 35, "k065": "v\\u002634", "k066": 33, "k067": "v\\u002632", "k068": 31, "k069": "v\\u002630", "k070": 29, "k071": "v\\u002628", "k072": 27, "k073": "v\\u002626", "k074": 25, "k075": "v\\u002624", "k076": 23, "k077": "v\\u002622", "k078": 21, "k079": "v\\u002620", "k080": 19, "k081": "v\\u002618", "k082": 17, "k083": "v\\u002616", "k084": 15, "k085": "v\\u002614", "k086": 13, "k087": "v\\u002612", "k088": 11, "k089": "v\\u002610", "k090": 9, "k091": "v\\u00268", "k092": 7, "k093": "v\\u00266", "k094": 5, "k095": "v\\u00264", "k096": 3, "k097": "v\\u00262", "k098": 1, "k099": "v\\u00260"}')
  t.equal(toJsonOf(list.slice(0, 66), 1), '[\n 0.0,\n "\\u003cs1\\u003e",\n null,\n 1.5,\n "\\u003cs4\\u003e",\n null,\n 3.0,\n "\\u003cs7\\u003e",\n null,\n 4.5,\n "\\u003cs10\\u003e",\n null,\n 6.0,\n "\\u003cs13\\u003e",\n null,\n 7.5,\n "\\u003cs16\\u003e",\n null,\n 9.0,\n "\\u003cs19\\u003e",\n null,\n 10.5,\n "\\u003cs22\\u003e",\n null,\n 12.0,\n "\\u003cs25\\u003e",\n null,\n 13.5,\n "\\u003cs28\\u003e",\n null,\n 15.0,\n "\\u003cs31\\u003e",\n null,\n 16.5,\n "\\u003cs34\\u003e",\n null,\n 18.0,\n "\\u003cs37\\u003e",\n null,\n 19.5,\n "\\u003cs40\\u003e",\n null,\n 21.0,\n "\\u003cs43\\u003e",\n null,\n 22.5,\n "\\u003cs46\\u003e",\n null,\n 24.0,\n "\\u003cs49\\u003e",\n null,\n 25.5,\n "\\u003cs52\\u003e",\n null,\n 27.0,\n "\\u003cs55\\u003e",\n null,\n 28.5,\n "\\u003cs58\\u003e",\n null,\n 30.0,\n "\\u003cs61\\u003e",\n null,\n 31.5,\n "\\u003cs64\\u003e",\n null\n]')
})
