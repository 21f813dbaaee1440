// Renders templates with real Jinja2 in one python3 process, exactly as the fuzz recorder does
// (record.py's environment and its emulation of Conduit's functions), for the hand tools here.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

/**
 * Jinja2's outcome of each case, as record.render gives it: ['output', text, bytes],
 * ['error', message, stage] or ['skip', why]. Throws with Python's stderr when python3 fails.
 */
export function renderWithJinja (cases: ReadonlyArray<{ template: string, context: unknown }>): unknown[] {
  const python = spawnSync('python3', ['-c', `
import json, sys
sys.path.insert(0, ${JSON.stringify(HERE)})
sys.dont_write_bytecode = True
import record, signal
signal.signal(signal.SIGALRM, record._alarm)
cases = json.load(sys.stdin)
env = record.conformance.make_env()
print(json.dumps([record.render(env, c['template'], c['context'], 2000) for c in cases], ensure_ascii=False))
`], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26 })
  if (python.status !== 0) throw new Error(python.stderr.trim())
  return JSON.parse(python.stdout) as unknown[]
}
