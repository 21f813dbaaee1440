// Template conformance (SPEC §4.1): every case of the corpus must render byte for byte as Jinja2 3.1
// rendered it. Expected outputs come from test/template/conformance/fixtures.json, recorded by
// scripts/record-conformance.py (`npm run conformance:record`), so this test needs no Python.
// A case Jinja2 fails on must fail in Conduit too with a TemplateCompileError/TemplateRenderError (any
// message); at compile time when Jinja2's was a syntax or assertion error, or when a hand-written
// expectation (`expect_error` + `source`, SPEC rules Jinja2 lacks) names the stage. Cases listed in
// divergences.json are inherent JavaScript differences: they must still differ from Jinja2 and must
// produce the documented Conduit output, so a stale entry fails.
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileTemplate } from '../../src/template/index.js'
import { TemplateCompileError, TemplateRenderError } from '../../src/template/types.js'
import type { FieldKind, RenderContext } from '../../src/template/types.js'

/** Must equal FIXED_NOW in scripts/record-conformance.py: now() is deterministic on both sides. */
const FIXED_NOW_SECONDS = 1767225600

interface Case {
  id: string
  kind: FieldKind
  template: string
  context?: Record<string, unknown>
  expected?: string
  /** Hand-written (with `source`): Conduit must fail, at the given stage when one is named. */
  expect_error?: true | 'compile' | 'render'
  source?: string
}

type Fixture = { output: string, source?: string } | { error: string, source?: string }

interface Divergence {
  reason: string
  output: string
}

const dir = fileURLToPath(new URL('./conformance/', import.meta.url))
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'))

const fixtures = readJson(dir + 'fixtures.json') as Record<string, Fixture>
const divergences = readJson(dir + 'divergences.json') as Record<string, Divergence>
const caseFiles = readdirSync(dir + 'cases').filter(name => name.endsWith('.json')).sort()
const corpus = caseFiles.map(name => ({ name, cases: readJson(dir + 'cases/' + name) as Case[] }))
const allCases = corpus.flatMap(file => file.cases)

type Outcome = { output: string } | { error: Error, stage: 'compile' | 'render' }

function run (c: Case): Outcome {
  const context = { ...c.context, clock: () => FIXED_NOW_SECONDS * 1000 } as RenderContext
  let compiled
  try {
    compiled = compileTemplate(c.template, c.kind)
  } catch (err) {
    return { error: err as Error, stage: 'compile' }
  }
  try {
    return { output: compiled.render(context) }
  } catch (err) {
    return { error: err as Error, stage: 'render' }
  }
}

/** Where Conduit must fail: Jinja2's syntax and assertion errors are compile errors in Conduit too. */
function requiredStage (c: Case, jinjaError: string): 'compile' | 'render' | undefined {
  if (c.expect_error === 'compile' || c.expect_error === 'render') return c.expect_error
  if (/^Template(Syntax|Assertion)Error\b/.test(jinjaError)) return 'compile'
  return undefined
}

function raisedAsRequired (outcome: Outcome, stage: 'compile' | 'render' | undefined): boolean {
  if (!('error' in outcome)) return false
  if (stage === 'compile') return outcome.error instanceof TemplateCompileError
  if (stage === 'render') return outcome.stage === 'render' && outcome.error instanceof TemplateRenderError
  return outcome.error instanceof TemplateCompileError || outcome.error instanceof TemplateRenderError
}

/**
 * A template as a JSON string, also escaping what JSON leaves raw but a TAP reader may take for a
 * line break (U+0085, U+2028, U+2029 and the other C1 controls): the message must stay one line.
 */
const quoted = (text: string): string =>
  JSON.stringify(text).replace(/[\u0080-\u009f\u2028\u2029]/g, ch => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))

const describe = (o: Outcome): string => 'output' in o ? JSON.stringify(o.output) : `${o.error.name} at ${o.stage} time: ${o.error.message}`

for (const { name, cases } of corpus) {
  t.test(name, async t => {
    for (const c of cases) {
      const fixture = fixtures[c.id]
      if (fixture === undefined) {
        t.fail(`${c.id}: no fixture recorded (run npm run conformance:record)`)
        continue
      }
      const outcome = run(c)
      const divergence = divergences[c.id]
      if (divergence !== undefined) {
        t.not('output' in fixture ? fixture.output : undefined, divergence.output,
          `${c.id}: divergence entry is stale, Jinja2 gives the documented Conduit output`)
        t.equal('output' in outcome ? outcome.output : describe(outcome), divergence.output,
          `${c.id}: documented divergence (${divergence.reason})`)
      } else if ('error' in fixture) {
        const stage = requiredStage(c, fixture.error)
        t.ok(raisedAsRequired(outcome, stage),
          `${c.id}: must raise a template error${stage === undefined ? '' : ' at ' + stage + ' time'} (${fixture.error}); Conduit gave ${describe(outcome)}`)
      } else {
        t.equal('output' in outcome ? outcome.output : `<${describe(outcome)}>`, fixture.output, `${c.id}: ${quoted(c.template)}`)
      }
    }
  })
}

t.test('corpus', async t => {
  t.ok(allCases.length >= 300, `at least 300 cases (has ${allCases.length})`)
  const ids = allCases.map(c => c.id)
  t.equal(new Set(ids).size, ids.length, 'case ids are unique')
  t.same(ids.filter(id => fixtures[id] === undefined), [], 'every case has a recorded fixture')
  t.same(Object.keys(fixtures).filter(id => !ids.includes(id)), [], 'no fixture without a case')
  t.same(Object.keys(divergences).filter(id => !ids.includes(id)), [], 'every divergence names a case')
  for (const c of allCases) {
    if (c.expected !== undefined || c.expect_error === true) {
      t.ok(c.source?.startsWith('spec §'), `${c.id}: a hand-written expectation names its SPEC rule`)
    }
  }
})

// Every name of SPEC §4.2 appears in at least one template of the corpus.
const FILTERS = ['abs', 'attr', 'batch', 'capitalize', 'count', 'default', 'd', 'dictsort', 'first', 'float', 'format',
  'groupby', 'int', 'items', 'join', 'last', 'length', 'list', 'lower', 'map', 'max', 'min', 'replace', 'reject',
  'rejectattr', 'reverse', 'round', 'select', 'selectattr', 'slice', 'sort', 'string', 'sum', 'title', 'tojson', 'trim',
  'truncate', 'unique', 'upper', 'urlencode', 'wordcount', 'from_json', 'json_encode', 'base64_encode', 'base64_decode']
const TESTS = ['defined', 'undefined', 'none', 'number', 'string', 'mapping', 'sequence', 'iterable', 'boolean', 'integer',
  'float', 'even', 'odd', 'divisibleby', 'equalto', 'sameas', 'in', 'lower', 'upper', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'true', 'false', 'escaped']
const FUNCTIONS = ['get_secret', 'get_variable', 'jwt_encode', 'now', 'range', 'namespace', 'dict']
const METHODS = ['items', 'keys', 'values', 'get', 'upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'startswith',
  'endswith', 'replace', 'title', 'capitalize', 'append', 'by_id']
const SYNTAX: Record<string, RegExp> = {
  'print tag': /\{\{/,
  comment: /\{#/,
  'raw block': /\{%-?\s*raw\s*-?%\}[\s\S]*\{%-?\s*endraw\s*-?%\}/,
  'whitespace control {%-': /\{%-/,
  'whitespace control -%}': /-%\}/,
  'whitespace control {{-': /\{\{-/,
  'whitespace control -}}': /-\}\}/,
  if: /\{%-?\s*if\b/,
  elif: /\{%-?\s*elif\b/,
  else: /\{%-?\s*else\s*-?%\}/,
  'for with else': /\{%-?\s*for\b(?:(?!endfor)[\s\S])*\{%-?\s*else\s*-?%\}/,
  'for with if clause': /\{%-?\s*for\s+[^%]+\sin\s[^%]+\sif\s/,
  'for k, v': /\{%-?\s*for\s+\w+\s*,\s*\w+\s+in\b/,
  set: /\{%-?\s*set\s+\w+\s*=/,
  'set ns.attr': /\{%-?\s*set\s+\w+\.\w+\s*=/,
  'block set': /\{%-?\s*set\s+\w+\s*-?%\}[\s\S]*\{%-?\s*endset/,
  'loop.index': /\bloop\.index\b/,
  'loop.index0': /\bloop\.index0\b/,
  'loop.revindex': /\bloop\.revindex\b/,
  'loop.first': /\bloop\.first\b/,
  'loop.last': /\bloop\.last\b/,
  'loop.length': /\bloop\.length\b/,
  'string literal (double quotes)': /"[^"]*"/,
  'float literal': /\b\d+\.\d+\b/,
  'exponent literal': /\b\d+(?:\.\d+)?[eE][+-]?\d+\b/,
  'literal true': /\btrue\b/,
  'literal True': /\bTrue\b/,
  'literal false': /\bfalse\b/,
  'literal False': /\bFalse\b/,
  'literal none': /\bnone\b/,
  'literal None': /\bNone\b/,
  tuple: /\(\s*\d+\s*,/,
  dict: /\{\s*'\w+'\s*:/,
  slice: /\[-?\d*:-?\d*(?::-?\d+)?\]/,
  'operator //': /\/\//,
  'operator **': /\*\*/,
  'operator %': /\d\s*%\s*-?\d/,
  'operator ~': /\s~\s/,
  'not in': /\bnot in\b/,
  'chained comparison': /\d\s*<\s*\d\s*<\s*\d/,
  ternary: /\bif\b[^%}]+\belse\b/,
  and: /\band\b/,
  or: /\bor\b/,
  not: /\bnot\b/
}

t.test('corpus covers SPEC §4.2', async t => {
  const templates = allCases.map(c => c.template)
  const used = (re: RegExp): boolean => templates.some(src => re.test(src))
  for (const name of FILTERS) t.ok(used(new RegExp(`\\|\\s*${name}\\b`)), `filter ${name}`)
  for (const name of TESTS) t.ok(used(new RegExp(`\\bis\\s+(?:not\\s+)?${name}\\b`)), `test ${name}`)
  for (const name of FUNCTIONS) t.ok(used(new RegExp(`(?<![.\\w])${name}\\(`)), `function ${name}()`)
  for (const name of METHODS) t.ok(used(new RegExp(`\\.${name}\\(`)), `method .${name}()`)
  for (const [label, re] of Object.entries(SYNTAX)) t.ok(used(re), label)
  const kinds = new Set(allCases.map(c => c.kind))
  for (const kind of ['url', 'header', 'query', 'auth', 'request_body', 'response_body'] as const) {
    t.ok(kinds.has(kind), `field kind ${kind}`)
  }
})
