// Many templates through both engines at once (one python3 process), for probing a feature by hand:
//   npx tsx scripts/fuzz/probe-batch.ts FILE [kind]
// FILE has one template per line (a line starting with '"' is a JSON string, for newlines and
// escapes); each renders with a fixed sample context (user, tenant_id, a JSON response). Prints
// the templates whose outcomes differ (an error on both sides counts as the same).
import { readFileSync } from 'node:fs'
import { describe, run } from '../../test/template/fuzz/replay.js'
import type { FieldKind } from '../../src/template/types.js'
import { renderWithJinja } from './jinja-render.js'
const [file, kind = 'response_body'] = process.argv.slice(2)
const templates = readFileSync(file, 'utf8').split('\n').filter(l => l !== '').map(l => l.startsWith('"') ? JSON.parse(l) as string : l)
const context = {
  user: { id: 'u1', email: 'ada@example.com', first_name: 'Ada', last_name: 'L', username: 'ada', profile_fields: { 3: 'three' } },
  tenant_id: 't1',
  response: { status_code: 200, headers: { 'content-type': 'application/json' }, body: '{"items": [{"n": "a", "p": true}, {"n": "b<", "p": false}, {"n": "c", "p": 1}], "big": 12345678901234567890, "f": 10.0}' }
}
const expected = renderWithJinja(templates.map(t => ({ template: t, context })))
let bad = 0
templates.forEach((t, i) => {
  const j = JSON.stringify(expected[i])
  const c = describe(run({ id: 'p' + i, kind: kind as FieldKind, template: t, context: 0 }, context))
  const [tag, value] = expected[i] as [string, string]
  const same = tag === 'output' ? c === JSON.stringify(value) : tag === 'skip' || c.includes('error')
  if (!same) { bad++; console.log(`--- ${t}\n  jinja2:  ${j}\n  conduit: ${c}`) }
})
console.log(`${templates.length} probes, ${bad} differ`)
