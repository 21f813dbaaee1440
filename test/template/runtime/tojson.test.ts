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
