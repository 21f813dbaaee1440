// Replays jinja-cases.json — what real Jinja2 3.1 returned for each filter, test and method call,
// recorded by record-jinja-cases.py — against Conduit's runtime registries.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { FILTERS } from '../../../src/template/runtime/filters.js'
import { TESTS } from '../../../src/template/runtime/tests.js'
import { callMethod } from '../../../src/template/runtime/methods.js'
import { BoundMethod } from '../../../src/template/runtime/access.js'
import { createEnv } from '../../../src/template/runtime/env.js'
import {
  Markup, PyFloat, Undefined, isDict, isTuple, makeDict, makeFloat, makeTuple
} from '../../../src/template/runtime/values.js'
import { TemplateRenderError } from '../../../src/template/types.js'
import { PyIter, drain } from '../../../src/template/runtime/iterators.js'

type Encoded =
  | { t: 'undefined' | 'none' }
  | { t: 'bool', v: boolean }
  | { t: 'int' | 'float' | 'str' | 'method', v: string }
  | { t: 'list' | 'tuple', v: Encoded[] }
  | { t: 'dict', v: Array<[string, Encoded]> }

interface Case {
  kind: 'filter' | 'test' | 'method'
  name: string
  source: string
  value: Encoded
  args: Encoded[]
  kwargs: Array<[string, Encoded]>
  result?: Encoded
  error?: string
}

function decode (e: Encoded): unknown {
  switch (e.t) {
    case 'undefined': return new Undefined('x')
    case 'none': return null
    case 'bool': return e.v
    case 'int': return Number(e.v)
    case 'float': return makeFloat(e.v === 'inf' ? Infinity : e.v === '-inf' ? -Infinity : e.v === 'nan' ? NaN : Number(e.v))
    case 'str': return e.v
    case 'method': throw new Error('methods are results only')
    case 'list': return e.v.map(decode)
    case 'tuple': return makeTuple(e.v.map(decode))
    case 'dict': return makeDict(e.v.map(([k, v]) => [k, decode(v)]))
  }
}

function encode (v: unknown): Encoded {
  if (v instanceof Undefined) return { t: 'undefined' }
  if (v === null) return { t: 'none' }
  if (typeof v === 'boolean') return { t: 'bool', v }
  if (typeof v === 'number' && Number.isInteger(v)) return { t: 'int', v: String(v) }
  if (typeof v === 'number' || v instanceof PyFloat) {
    const n = v instanceof PyFloat ? v.value : v
    return { t: 'float', v: Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : Object.is(n, -0) ? '-0' : String(n) }
  }
  if (typeof v === 'string') return { t: 'str', v }
  // tojson's Markup is a str to Python (the recorder encodes it so).
  if (v instanceof Markup) return { t: 'str', v: v.text }
  if (v instanceof BoundMethod) return { t: 'method', v: v.name }
  if (Array.isArray(v)) return { t: isTuple(v) ? 'tuple' : 'list', v: v.map(encode) }
  if (isDict(v)) return { t: 'dict', v: v.entries().map(([k, x]) => [String(k), encode(x)]) }
  throw new Error(`cannot encode ${String(v)}`)
}

/** Expected floats compare by value (Python's repr vs JS's String differ only in notation). */
function normalize (e: Encoded): unknown {
  if (e.t === 'float') return { t: 'float', v: e.v === 'nan' || e.v === 'inf' || e.v === '-inf' ? e.v : Object.is(Number(e.v), -0) ? '-0' : String(Number(e.v)) }
  if (e.t === 'list' || e.t === 'tuple') return { t: e.t, v: e.v.map(normalize) }
  if (e.t === 'dict') return { t: 'dict', v: e.v.map(([k, x]) => [k, normalize(x)]) }
  return e
}

function run (c: Case): unknown {
  const env = createEnv(() => 0, 8192)
  const value = decode(c.value)
  const args = c.args.map(decode)
  const kwargs = Object.fromEntries(c.kwargs.map(([k, v]) => [k, decode(v)]))
  if (c.kind === 'filter') {
    const out = (FILTERS[c.name] as NonNullable<typeof FILTERS[string]>)(env, value, args, kwargs)
    // The recorder reads a generator or iterator into a list (errors of its items included).
    return out instanceof PyIter ? drain(out) : out
  }
  if (c.kind === 'test') return (TESTS[c.name] as NonNullable<typeof TESTS[string]>)(env, value, args)
  return callMethod(env, new BoundMethod(value, c.name), args, kwargs)
}

const VALUE_FREE_MESSAGES: Record<string, string> = {
  "unsupported format character 'z' (0x7a) at index 1": 'unsupported format character',
  'expected length >= 3, got 2': 'truncate: expected length >= the length of end',
  'expected leeway >= 0, got -1': 'truncate: expected leeway >= 0'
}

const cases = JSON.parse(readFileSync(new URL('./jinja-cases.json', import.meta.url), 'utf8')) as Case[]

t.test('every recorded filter, test and method call matches Jinja2', async t => {
  for (const c of cases) {
    if (c.error !== undefined) {
      // Jinja2's message without its exception class ("TypeError: …"), or Conduit's where Jinja2's
      // quotes part of a value (SPEC §4.6: a render error names the kind of failure, never a value).
      const jinja = c.error.replace(/^\w+: /, '')
      const message = VALUE_FREE_MESSAGES[jinja] ?? jinja
      t.throws(() => run(c), new TemplateRenderError(message), `${c.source} raises ${c.error}`)
    } else {
      let got: unknown
      try {
        got = normalize(encode(run(c)))
      } catch (err) {
        got = `threw ${String(err)}`
      }
      t.same(got, normalize(c.result as Encoded), c.source)
    }
  }
})
