// Replays the differential fuzz fixtures (recorded with Jinja2 by scripts/fuzz/record.py) through
// Conduit's engine, by the API the pipeline uses: compileTemplate(source, kind).render(context).
// Shared by test/template/fuzz.test.ts and scripts/fuzz/triage.ts.
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileTemplate } from '../../../src/template/index.js'
import { TemplateCompileError, TemplateRenderError } from '../../../src/template/types.js'
import type { FieldKind, RenderContext } from '../../../src/template/types.js'

/** Must equal FIXED_NOW in scripts/record-conformance.py: now() is deterministic on both sides. */
const FIXED_NOW_SECONDS = 1767225600

export interface FuzzCase {
  id: string
  kind: FieldKind
  template: string
  /** Index into the file's contexts. */
  context: number
  /** Jinja2's output, or its error (message not compared) and the stage it failed at. */
  output?: string
  error?: string
  stage?: 'compile' | 'render'
  /** Set when the expectation follows a SPEC rule Jinja2 lacks (§4.4 missing names, §4.5 bounds). */
  source?: string
}

export interface FuzzFile {
  name: string
  seed: number
  part: number
  contexts: Array<Record<string, unknown>>
  cases: FuzzCase[]
}

export type Outcome = { output: string } | { error: unknown, stage: 'compile' | 'render' }

export const FIXTURE_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url))

export function loadFixtures (dir = FIXTURE_DIR): FuzzFile[] {
  return readdirSync(dir).filter(name => /^seed-\d+-\d+\.json$/.test(name)).sort()
    .map(name => ({ name, ...JSON.parse(readFileSync(dir + name, 'utf8')) as Omit<FuzzFile, 'name'> }))
}

/**
 * An object address in a printed generator or iterator (`<generator object … at 0x7f…>`), written as
 * ADDRESS_MARK: scripts/fuzz/record.py records Jinja2's outputs this way (keep the two in step).
 */
const ADDRESS = /0x[0-9a-f]{8,}/gi
const ADDRESS_MARK = '0x…'

export function run (c: FuzzCase, context: Record<string, unknown>): Outcome {
  let compiled
  try {
    compiled = compileTemplate(c.template, c.kind)
  } catch (error) {
    return { error, stage: 'compile' }
  }
  try {
    return { output: compiled.render({ ...context, clock: () => FIXED_NOW_SECONDS * 1000 } as RenderContext).replace(ADDRESS, ADDRESS_MARK) }
  } catch (error) {
    return { error, stage: 'render' }
  }
}

const isTemplateError = (e: unknown): e is Error => e instanceof TemplateCompileError || e instanceof TemplateRenderError

/** A failure that is not a positioned template error, or the engine's "internal error": a crash. */
export const isCrash = (e: unknown): boolean => !isTemplateError(e) || /internal error/i.test(e.message)

/**
 * A context string (6+ characters) that an error message shows, whole, lower/upper-cased or
 * reversed, and the template itself does not hold: SPEC §4.6 allows none (secrets, variables,
 * caller payloads, upstream bodies, user fields).
 */
export function leaked (o: Outcome, context: unknown, template: string): string | undefined {
  if (!('error' in o) || !(o.error instanceof Error)) return undefined
  const message = o.error.message
  for (const [value, forms] of contextForms(context)) {
    for (const form of forms) {
      if (message.includes(form) && !template.includes(form)) return value
    }
  }
  return undefined
}

const formsByContext = new WeakMap<object, Array<[string, string[]]>>()

/** Every context string of 6+ characters with its lower-cased, upper-cased and reversed forms. */
function contextForms (context: unknown): Array<[string, string[]]> {
  if (context === null || typeof context !== 'object') return []
  const hit = formsByContext.get(context)
  if (hit !== undefined) return hit
  const out: Array<[string, string[]]> = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= 6) out.push([v, [v, v.toLowerCase(), v.toUpperCase(), [...v].reverse().join('')]])
    } else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk)
  }
  walk(context)
  formsByContext.set(context, out)
  return out
}

/** Why Conduit's outcome does not match Jinja2's (or breaks SPEC §4.6), or undefined when it does. */
export function mismatch (c: FuzzCase, o: Outcome, context: unknown = {}): string | undefined {
  if ('error' in o && isCrash(o.error)) return 'Conduit crashed'
  if (leaked(o, context, c.template) !== undefined) return 'the error message shows a context value (SPEC §4.6)'
  if (c.output !== undefined) {
    if ('output' in o) return o.output === c.output ? undefined : 'different output'
    return 'Conduit failed where Jinja2 rendered'
  }
  if ('output' in o) return 'Conduit rendered where Jinja2 failed'
  if (c.stage === 'compile' && o.stage !== 'compile') return 'Jinja2 refused the template at compile time; Conduit compiled it'
  return undefined
}

export function describe (o: Outcome): string {
  if ('output' in o) return JSON.stringify(o.output)
  const e = o.error
  return `${o.stage} error ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`
}

export function jinjaOutcome (c: FuzzCase): string {
  return c.output !== undefined ? JSON.stringify(c.output) : `error ${c.error ?? ''}${c.stage === 'compile' ? ' (compile time)' : ''}`
}

/** Everything needed to reproduce a mismatching case by hand. */
export function report (c: FuzzCase, context: Record<string, unknown>, o: Outcome, why: string): string {
  return [
    `${c.id} (${c.kind}): ${why}`,
    `  template: ${JSON.stringify(c.template)}`,
    `  context:  ${JSON.stringify(context)}`,
    `  jinja2:   ${jinjaOutcome(c)}`,
    `  conduit:  ${describe(o)}`
  ].join('\n')
}
