// Renders one template with Conduit and with Jinja2 (python3, the fuzz recorder's environment) side by
// side, for minimising a fuzz mismatch by hand:
//   npx tsx scripts/fuzz/try.ts <kind> '<template>' ['<context JSON>']
import { describe, run } from '../../test/template/fuzz/replay.js'
import type { FieldKind } from '../../src/template/types.js'
import { renderWithJinja } from './jinja-render.js'

const [kind, template, contextJson = '{}'] = process.argv.slice(2)
if (kind === undefined || template === undefined) {
  console.error("usage: npx tsx scripts/fuzz/try.ts <kind> '<template>' ['<context JSON>']")
  process.exit(2)
}
const context = JSON.parse(contextJson) as Record<string, unknown>
let jinja: string
try {
  jinja = JSON.stringify(renderWithJinja([{ template, context }])[0])
} catch (err) {
  jinja = (err as Error).message
}
console.log(`jinja2:  ${jinja}`)
console.log(`conduit: ${describe(run({ id: 'try', kind: kind as FieldKind, template, context: 0 }, context))}`)
