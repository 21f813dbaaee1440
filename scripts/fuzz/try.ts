// Renders one template with Conduit and with Jinja2 (python3, the fuzz recorder's environment) side by
// side, for minimising a fuzz mismatch by hand:
//   npx tsx scripts/fuzz/try.ts <kind> '<template>' ['<context JSON>']
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, run } from '../../test/template/fuzz/replay.js'
import type { FieldKind } from '../../src/template/types.js'

const [kind, template, contextJson = '{}'] = process.argv.slice(2)
if (kind === undefined || template === undefined) {
  console.error("usage: npx tsx scripts/fuzz/try.ts <kind> '<template>' ['<context JSON>']")
  process.exit(2)
}
const context = JSON.parse(contextJson) as Record<string, unknown>
const here = fileURLToPath(new URL('.', import.meta.url))
const python = spawnSync('python3', ['-c', `
import json, sys
sys.path.insert(0, ${JSON.stringify(here)})
sys.dont_write_bytecode = True
import record, signal
signal.signal(signal.SIGALRM, record._alarm)
case = json.load(sys.stdin)
print(json.dumps(record.render(record.conformance.make_env(), case['template'], case['context'], 2000), ensure_ascii=False))
`], { input: JSON.stringify({ template, context }), encoding: 'utf8' })
console.log(`jinja2:  ${python.status === 0 ? python.stdout.trim() : python.stderr.trim()}`)
console.log(`conduit: ${describe(run({ id: 'try', kind: kind as FieldKind, template, context: 0 }, context))}`)
