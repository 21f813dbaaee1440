// Groups the cases of the differential fuzz fixtures that Conduit does not render as Jinja2 did, for a
// developer fixing the engine: `npx tsx scripts/fuzz/triage.ts [--json out.json] [--examples 2] [--dir fixtures/]`.
// Groups by a rough signature (kind of mismatch, Conduit's error with values blanked out); each
// group lists its count and its shortest templates first. Also lists two safety findings (SPEC
// §4.5, §4.6): cases whose compile + render took longer than --slow-ms, and errors whose message
// shows a context value (see leaked() in replay.ts). A mismatch that is one of the documented
// divergences (test/template/conformance/divergences.json) is listed apart and not counted.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { describe, jinjaOutcome, leaked, loadFixtures, mismatch, run } from '../../test/template/fuzz/replay.js'

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    examples: { type: 'string', default: '2' },
    'slow-ms': { type: 'string', default: '250' },
    dir: { type: 'string' }
  }
})
const perGroup = Number(values.examples)
const slowMs = Number(values['slow-ms'])

interface Found { id: string, kind: string, template: string, context: unknown, jinja2: string, conduit: string, why: string }
const groups = new Map<string, Found[]>()
let total = 0
const slow: string[] = []
const leaks: string[] = []

/**
 * How each documented divergence shows in a fuzz case: Conduit's error, whatever the operands. A
 * divergence without a pattern here is never recognised, so its cases stay counted as mismatches.
 */
const DOCUMENTED: Record<string, RegExp> = {
  'operators.dict-view-difference': /unsupported operand type\(s\) for -: (?:'dict_(?:keys|values|items)'|'\w+' and 'dict_(?:keys|items)')/,
  'literals.escape-named-unicode': /\\N\{…\} escapes are not supported/
}
const documentedFile = JSON.parse(readFileSync(new URL('../../test/template/conformance/divergences.json', import.meta.url), 'utf8')) as Record<string, unknown>
for (const id of Object.keys(DOCUMENTED)) {
  if (documentedFile[id] === undefined) throw new Error(`triage.ts names the divergence ${id}, which divergences.json does not document`)
}
const documented = new Map<string, string[]>()

function documentedAs (conduit: string): string | undefined {
  for (const [id, pattern] of Object.entries(DOCUMENTED)) if (pattern.test(conduit)) return id
  return undefined
}

function signature (why: string, conduit: string, jinja: string): string {
  const blank = (s: string): string => s.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/'[^']*'/g, "'…'")
    .replace(/\(line \d+, column \d+\)/g, '').replace(/\d+/g, 'N').slice(0, 120)
  if (why === 'different output') return why
  if (why === 'Conduit rendered where Jinja2 failed') return `${why}: jinja2 ${blank(jinja.split(':')[0])}`
  return `${why}: ${blank(conduit)}`
}

for (const file of loadFixtures(values.dir === undefined ? undefined : values.dir.replace(/\/?$/, '/'))) {
  for (const c of file.cases) {
    total++
    const context = file.contexts[c.context] ?? {}
    const started = performance.now()
    const outcome = run(c, context)
    const ms = performance.now() - started
    if (ms > slowMs) slow.push(`${c.id} (${c.kind}) ${ms.toFixed(0)} ms ${JSON.stringify(c.template).slice(0, 200)}`)
    const value = leaked(outcome, context, c.template)
    if (value !== undefined && 'error' in outcome) {
      leaks.push(`${c.id} (${c.kind}) ${JSON.stringify(c.template).slice(0, 200)}\n    error: ${describe(outcome).slice(0, 300)}\n    shows: ${JSON.stringify(value).slice(0, 100)}`)
    }
    const why = mismatch(c, outcome, context)
    if (why === undefined) continue
    const divergence = documentedAs(describe(outcome))
    if (divergence !== undefined) {
      documented.set(divergence, [...(documented.get(divergence) ?? []), c.id])
      continue
    }
    const found = { id: c.id, kind: c.kind, template: c.template, context, jinja2: jinjaOutcome(c), conduit: describe(outcome), why }
    const key = signature(why, found.conduit, c.error ?? '')
    groups.set(key, [...(groups.get(key) ?? []), found])
  }
}

const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)
const mismatches = sorted.reduce((n, [, list]) => n + list.length, 0)
console.log(`${total} cases, ${mismatches} mismatch, ${sorted.length} groups\n`)
for (const [key, list] of sorted) {
  console.log(`## ${list.length} × ${key}`)
  for (const f of [...list].sort((a, b) => a.template.length - b.template.length).slice(0, perGroup)) {
    console.log(`  ${f.id} (${f.kind}) ${JSON.stringify(f.template)}\n    jinja2:  ${f.jinja2.slice(0, 300)}\n    conduit: ${f.conduit.slice(0, 300)}`)
  }
}
for (const [id, ids] of documented) console.log(`\n## ${ids.length} × documented divergence ${id} (not counted): ${ids.slice(0, 5).join(', ')}`)
console.log(`\n## ${slow.length} × compile + render slower than ${slowMs} ms`)
for (const line of slow) console.log(`  ${line}`)
console.log(`\n## ${leaks.length} × context value in an error message`)
for (const line of leaks) console.log(`  ${line}`)
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(sorted.map(([key, list]) => ({ key, cases: list })), null, 1))
