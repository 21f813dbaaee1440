// Differential fuzz fixtures (SPEC §4.1): random templates over the whole §4.2 subset and every field
// kind, with random render contexts, recorded with real Jinja2 3.1 by scripts/fuzz/record.py (run by
// developers: `npm run fuzz -- --seed 1 --count 10500`). This test replays them through
// compileTemplate()/render(), the API the pipeline uses, without Python.
// A case Jinja2 rendered must render byte for byte the same. A case Jinja2 failed on must fail with a
// TemplateCompileError/TemplateRenderError (at compile time when Jinja2's was a syntax error); the
// message is not compared, except that it must not show a context value (SPEC §4.6: secrets,
// variables, payloads, whole or transformed). An "internal error" from Conduit is never a match.
// One assertion per fixture file lists every mismatching case with its template, context and both
// outcomes. KNOWN_BUGS holds the cases that still mismatch because of an engine bug not fixed yet.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { loadFixtures, mismatch, report, run } from './fuzz/replay.js'

/**
 * Fuzz cases that differ from Jinja2 on purpose, under the id of their entry in
 * test/template/conformance/divergences.json (which states the reason and holds a conformance case
 * showing Conduit's behaviour). Each listed case must still differ, so a stale entry fails.
 */
const DIVERGENCES: Record<string, string[]> = {
}
const divergent = new Map(Object.entries(DIVERGENCES).flatMap(([entry, ids]) => ids.map(id => [id, entry] as const)))
const divergenceFile = JSON.parse(readFileSync(new URL('./conformance/divergences.json', import.meta.url), 'utf8')) as Record<string, unknown>

/**
 * Cases that still differ from Jinja2 because of an engine bug that is not fixed yet, by bug (not
 * deliberate divergences: those belong in test/template/conformance/divergences.json). A case listed
 * here that now matches is reported in a comment so the list can shrink; any other mismatch fails.
 * Reproducers of each bug: /work/wt/fuzz-mismatches.md during the work on issue 8.
 */
const KNOWN_BUGS: Record<string, string[]> = {
}
const knownBug = new Map(Object.entries(KNOWN_BUGS).flatMap(([reason, ids]) => ids.map(id => [id, reason] as const)))

/** Mismatches per fixture file reported in full; the rest by id (npx tsx scripts/fuzz/triage.ts groups them all). */
const DETAILED = 25
const seen = new Set<string>()
const stale: string[] = []
let total = 0

const files = loadFixtures()

for (const file of files) {
  t.test(file.name, async t => {
    const failures: string[] = []
    for (const c of file.cases) {
      total++
      seen.add(c.id)
      const context = file.contexts[c.context] ?? {}
      const outcome = run(c, context)
      const why = mismatch(c, outcome, context)
      if (divergent.has(c.id)) {
        if (why === undefined) failures.push(`${c.id}: listed under the divergence ${divergent.get(c.id) ?? ''} but matches Jinja2 now`)
        continue
      }
      if (knownBug.has(c.id)) {
        if (why === undefined) stale.push(c.id)
        continue
      }
      if (why !== undefined) failures.push(report(c, context, outcome, why))
    }
    // Every mismatch is listed; the first ones in full (template, context, both outcomes).
    const shown = failures.slice(0, DETAILED).concat(failures.length > DETAILED ? [`… and ${failures.length - DETAILED} more: ${failures.slice(DETAILED).map(f => f.split(' ')[0]).join(', ')}`] : [])
    t.same(shown, [], `${file.cases.length} cases match Jinja2 (${failures.length} mismatch)`)
  })
}

t.test('fixtures', async t => {
  t.ok(total >= 10_000, `at least 10,000 recorded cases (has ${total})`)
  t.same([...knownBug.keys()].filter(id => !seen.has(id)), [], 'every known bug names a recorded case')
  t.same([...divergent.keys()].filter(id => !seen.has(id)), [], 'every divergent case is recorded')
  t.same(Object.keys(DIVERGENCES).filter(entry => divergenceFile[entry] === undefined), [], 'every divergence is documented in divergences.json')
  if (stale.length > 0) t.comment(`known bugs that now match Jinja2 (remove from KNOWN_BUGS): ${stale.join(', ')}`)
})

// The recorded cases exercise every name and construct of SPEC §4.2 and every field kind, each in at
// least MIN_USES cases Jinja2 rendered (so a regenerated corpus cannot silently lose coverage).
const MIN_USES = 10
const NAMES = {
  filter: ['abs', 'attr', 'batch', 'capitalize', 'count', 'default', 'd', 'dictsort', 'first', 'float', 'format', 'groupby',
    'int', 'items', 'join', 'last', 'length', 'list', 'lower', 'map', 'max', 'min', 'replace', 'reject', 'rejectattr', 'reverse',
    'round', 'select', 'selectattr', 'slice', 'sort', 'string', 'sum', 'title', 'tojson', 'trim', 'truncate', 'unique', 'upper',
    'urlencode', 'wordcount', 'from_json', 'json_encode', 'base64_encode', 'base64_decode'],
  test: ['defined', 'undefined', 'none', 'number', 'string', 'mapping', 'sequence', 'iterable', 'boolean', 'integer', 'float',
    'even', 'odd', 'divisibleby', 'equalto', 'sameas', 'in', 'lower', 'upper', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'],
  function: ['get_secret', 'get_variable', 'jwt_encode', 'now', 'range', 'namespace', 'dict'],
  method: ['items', 'keys', 'values', 'get', 'upper', 'lower', 'strip', 'lstrip', 'rstrip', 'split', 'startswith', 'endswith',
    'replace', 'title', 'capitalize', 'append', 'by_id']
}
const PATTERN = {
  filter: (n: string) => new RegExp(`\\|\\s*${n}\\b`),
  test: (n: string) => new RegExp(`\\bis\\s+(?:not\\s+)?${n}\\b`),
  function: (n: string) => new RegExp(`(?<![.\\w])${n}\\(`),
  method: (n: string) => new RegExp(`\\.${n}\\(`)
}
const CONSTRUCTS: Record<string, RegExp> = {
  'whitespace control': /\{%-|-%\}|\{\{-|-\}\}/,
  'raw block': /\{%-?\s*raw\s*-?%\}/,
  comment: /\{#/,
  'if/elif/else': /\{%-?\s*elif\b/,
  'for … if': /\{%-?\s*for\s[^%]*\sin\s[^%]*\sif\s/,
  'for … else': /\{%-?\s*for\b(?:(?!endfor)[\s\S])*\{%-?\s*else\s*-?%\}/,
  'for k, v': /\{%-?\s*for\s+\w+\s*,\s*\w+\s+in\b/,
  'for (k, v)': /\{%-?\s*for\s+\(\s*\w+\s*,\s*\w+\s*\)\s+in\b/,
  'set inside a loop': /\{%-?\s*for\b(?:(?!endfor)[\s\S])*\{%-?\s*set\s/,
  'block set': /\{%-?\s*set\s+\w+(?:\s*\|[^%]*)?\s*-?%\}/,
  'set ns.attr': /\{%-?\s*set\s+\w+\.\w+\s*=/,
  'tuple unpacking set': /\{%-?\s*set\s+\w+\s*,\s*\w+\s*=/,
  'loop.index': /loop\.index\b/,
  'loop.index0': /loop\.index0/,
  'loop.revindex': /loop\.revindex/,
  'loop.first': /loop\.first/,
  'loop.last': /loop\.last/,
  'loop.length': /loop\.length/,
  slice: /\[-?\d*:-?\d*(?::-?\d+)?\]/,
  ternary: /\bif\b[^%}]*\belse\b/,
  'keyword arguments': /\w\(\s*(?:[^()]*,\s*)?\w+=/,
  'operator //': /\/\//,
  'operator **': /\*\*/,
  'operator ~': /\s~\s/,
  'operator %': /[\w)'] % [\w(']/,
  'not in / and / or / not': /\bnot in\b|\band\b|\bor\b|\bnot\b/,
  'chained comparison': /\S\s*<\s*\S+\s*<=\s*\S/,
  'literal dict with non-string keys': /\{\s*(?:\d|true|True|none|None)[^:}]*:/,
  'tuple literal': /\(\s*[^()]+,\s*\)|\([^()]*,[^()]*\)/,
  'float literal': /\b\d+\.\d+\b/,
  'hex/octal/binary/underscore integer': /\b0[xob][0-9a-fA-F]+|\d_\d/,
  'response reshape (from_json, for, tojson, loop.last)': /response\.body\s*\|\s*from_json[\s\S]*\{%-?\s*for\b[\s\S]*tojson[\s\S]*loop\.last/,
  'request body from body_text | from_json': /body_text\s*\|\s*from_json/,
  'composite step body': /steps\.\w+\.body/
}

t.test('fixtures cover SPEC §4.2 and every field kind', async t => {
  const rendered = files.flatMap(f => f.cases).filter(c => c.output !== undefined)
  const uses = (re: RegExp): number => rendered.filter(c => re.test(c.template)).length
  for (const [what, names] of Object.entries(NAMES) as Array<[keyof typeof NAMES, string[]]>) {
    const missing = names.filter(n => uses(PATTERN[what](n)) < MIN_USES)
    t.same(missing, [], `every ${what} is used in at least ${MIN_USES} rendered cases`)
  }
  const missing = Object.entries(CONSTRUCTS).filter(([, re]) => uses(re) < MIN_USES).map(([name]) => name)
  t.same(missing, [], `every construct is used in at least ${MIN_USES} rendered cases`)
  const kinds = new Set(rendered.map(c => c.kind))
  t.same(['url', 'header', 'query', 'auth', 'request_body', 'response_body', 'step_url', 'step_header', 'step_query', 'step_auth',
    'step_request_body', 'step_response_body'].filter(k => !kinds.has(k as never)), [], 'every field kind')
})
