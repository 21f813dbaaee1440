// The resource fuzzer of SPEC §4.5: seeded hostile templates and hostile caller payloads (up to the
// 1 MiB body limit) against every filter, safe method, function, test and operator. Each render
// either succeeds or fails with a render error (the 422 of the execute API) within the work
// budget; the process stays alive (renders run in a child process, so a fatal V8 abort or an
// out-of-memory crash fails this test instead of killing the runner); and no render holds the
// event loop past 250 ms, scaled by how much slower this machine runs a reference render than an
// idle one does (a safety bound on a shared machine, not a speed test).
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { GENERATOR_CHAINS, everyBuiltin, regressionCases } from './fixtures/hostile-cases.js'

const WORKER = fileURLToPath(new URL('./fixtures/hostile-worker.ts', import.meta.url))
const SEED = 8
const PER_BUILTIN = 3
/**
 * The reference render's median time on an idle machine (2 cores), in ms: its medians on this
 * machine ranged from 0.9 to 3.2 ms while other work ran, so idle is no slower than 1.0.
 */
const IDLE_REFERENCE_MS = 1.0
const BOUND_MS = 250

interface Done { type: 'done', i: number, id: string, source: string, outcome: string, detail: string, ms: number }
type Message = Done | { type: 'start', i: number, id: string } | { type: 'reference', ms: number } |
{ type: 'end', count: number, maxDelayMs: number } | { type: 'crash', message: string }

t.test('hostile templates and payloads: a result or a render error, in bounded time, no crash', async t => {
  const results: Done[] = []
  let started: { i: number, id: string } | undefined
  let reference = IDLE_REFERENCE_MS
  let end: { count: number, maxDelayMs: number } | undefined
  const child = fork(WORKER, [String(SEED), String(PER_BUILTIN)], {
    execArgv: [...process.execArgv, '--max-old-space-size=512'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  child.on('message', (m: Message) => {
    if (m.type === 'reference') reference = m.ms
    else if (m.type === 'start') started = m
    else if (m.type === 'done') results.push(m)
    else if (m.type === 'end') end = m
  })
  const code = await new Promise<number | null>(resolve => {
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 170_000)
    child.on('exit', (c, signal) => { clearTimeout(timer); resolve(c ?? (signal === null ? null : -1)) })
  })
  const last = started === undefined ? 'before the first case' : `during ${started.id}`
  t.equal(code, 0, `the render process stayed alive (exit ${String(code)} ${last})${stderr === '' ? '' : ': ' + stderr}`)
  t.ok(end !== undefined, 'every case ran')

  const factor = Math.max(1, reference / IDLE_REFERENCE_MS)
  const bound = BOUND_MS * factor
  t.comment(`reference render ${reference.toFixed(2)} ms → load factor ${factor.toFixed(2)}, bound ${bound.toFixed(0)} ms`)
  const counts: Record<string, number> = {}
  for (const r of results) {
    counts[r.outcome] = (counts[r.outcome] ?? 0) + 1
    if (r.outcome === 'other') t.fail(`${r.id}: not a render error: ${r.detail}\n  ${r.source}`)
    if (r.ms > bound) t.fail(`${r.id}: held the event loop ${r.ms.toFixed(0)} ms (bound ${bound.toFixed(0)} ms, ${r.outcome}: ${r.detail.slice(0, 80)})\n  ${r.source}`)
  }
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 3)
  t.comment(`outcomes ${JSON.stringify(counts)}; slowest ${slowest.map(r => `${r.ms.toFixed(0)} ms ${r.id}`).join('; ')}`)
  if (end !== undefined) {
    t.equal(end.count, everyBuiltin().length * PER_BUILTIN + GENERATOR_CHAINS.length + regressionCases().length, 'cases for every built-in, the generator chains and the regression cases')
    t.ok(end.maxDelayMs <= bound + 50, `event-loop delay monitor: max ${end.maxDelayMs.toFixed(0)} ms`)
  }
  // The generator must mostly produce templates that compile, or it tests the parser only.
  t.ok((counts.compile ?? 0) < results.length / 4, `${counts.compile ?? 0} of ${results.length} did not compile`)
  t.ok((counts.render ?? 0) > 0 && (counts.ok ?? 0) > 0, 'both outcomes occur')
})
