// Conduit's template language (SPEC §4): compileTemplate() parses, checks and compiles a field's
// template once; render() is synchronous and allocation-light. Everything outside src/template
// uses only this module.
import { LRUCache } from 'lru-cache'
import { check } from './checker.js'
import { generate } from './codegen.js'
import { compileWithEta } from './eta.js'
import { readsOnlyResponseStatusAndBody } from './meta.js'
import { ParseError, parse } from './parser.js'
import { recall, remember } from './response-memo.js'
import { LIMITS, createEnv } from './runtime/env.js'
import { beginRender, budgetFor, endRender, inputLength } from './runtime/budget.js'
import { RT } from './runtime/render-helpers.js'
import { FIELD_KINDS, TemplateCompileError, TemplateRenderError } from './types.js'
import type { CompiledTemplate, FieldKind, RenderContext } from './types.js'

export * from './types.js'

const BODY_KINDS = new Set<FieldKind>(['request_body', 'response_body', 'step_request_body', 'step_response_body'])
const CACHE_LIMIT = 10_000
/** Compiled templates by (kind, source): a registry reload recompiles only what changed. */
const cache = new LRUCache<string, CompiledTemplate>({ max: CACHE_LIMIT })

export function outputLimit (kind: FieldKind): number {
  return BODY_KINDS.has(kind) ? LIMITS.bodyOutputBytes : LIMITS.fieldOutputBytes
}

function fail (message: string, pos = { line: 1, column: 1 }): never {
  throw new TemplateCompileError([{ message, line: pos.line, column: pos.column }])
}

function build (source: string, kind: FieldKind): CompiledTemplate {
  if (!FIELD_KINDS.includes(kind)) fail(`unknown field kind '${String(kind)}': expected one of ${FIELD_KINDS.join(', ')}`)
  if (typeof source !== 'string') fail(`a template must be a string, not ${source === null ? 'null' : typeof source}`)
  const size = Buffer.byteLength(source, 'utf8')
  if (size > LIMITS.sourceBytes) fail(`template source is ${size} bytes, more than the limit of ${LIMITS.sourceBytes}`)
  try {
    return compile(source, kind)
  } catch (err) {
    // The parser bounds nesting (SPEC §4.5) and the compiler walks long chains iteratively; this is
    // the last wall should any stage still run out of stack: a compile error, never a crash or a 500.
    if (err instanceof RangeError) fail(`template nested too deeply to compile (more than ${LIMITS.nestingDepth} levels)`)
    throw err
  }
}

function compile (source: string, kind: FieldKind): CompiledTemplate {
  let template
  try {
    template = parse(source)
  } catch (err) {
    if (err instanceof ParseError) fail(err.message, err)
    if (err instanceof RangeError) fail(`template nested too deeply (more than ${LIMITS.nestingDepth} levels)`)
    throw err
  }
  const checked = check(template, kind)
  if (checked.problems.length > 0) throw new TemplateCompileError(checked.problems)
  const limit = outputLimit(kind)
  const base = {
    source,
    kind,
    secretNames: Object.freeze(checked.secretNames),
    variableNames: Object.freeze(checked.variableNames),
    names: checked.names as ReadonlySet<string>
  }

  if (!template.hasTags) {
    const text = template.body.map(n => n.type === 'Text' ? n.text : '').join('')
    const tooLarge = Buffer.byteLength(text, 'utf8') > limit
    return Object.freeze({
      ...base,
      // Jinja2 drops a trailing newline and reads \r\n as \n: only then does the text differ from the source.
      isStatic: text === source && !tooLarge,
      render (): string {
        if (tooLarge) throw new TemplateRenderError(`rendered output exceeds ${limit} bytes`)
        return text
      }
    })
  }

  let generated
  try {
    generated = generate(template, checked.names)
  } catch (err) {
    if (err instanceof RangeError) fail(`template nested too deeply (more than ${LIMITS.nestingDepth} levels)`)
    throw err
  }
  const fn = compileWithEta(generated.code, kind)
  const positions = Object.freeze(generated.positions)
  const constants = Object.freeze(generated.constants)
  // Only response kinds may read `response` (checker.ts), so only they can be memoized.
  const memoized = readsOnlyResponseStatusAndBody(template.body, checked.names)
  const compiled: CompiledTemplate = Object.freeze({
    ...base,
    isStatic: false,
    render (context: RenderContext): string {
      context ??= {}
      // One budget per render (SPEC §4.5), sized by the data it reads.
      const budget = budgetFor(inputLength(context))
      if (memoized) {
        const known = recall(compiled, context.response, budget)
        if (known !== undefined) return known
      }
      const env = createEnv(context.clock ?? Date.now, limit, budget)
      const previous = beginRender(env)
      let output: string
      try {
        output = fn({ r: RT, e: env, c: context, p: positions, k: constants })
      } catch (err) {
        throw RT.err(err, undefined)
      } finally {
        endRender(previous)
      }
      if (memoized) remember(compiled, context.response, output, budget - env.work)
      return output
    }
  })
  return compiled
}

/** Parses, checks (SPEC §4.3) and compiles `source` for a field of `kind`; throws TemplateCompileError. */
export function compileTemplate (source: string, kind: FieldKind): CompiledTemplate {
  const key = kind + '\u0000' + source
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const compiled = build(source, kind)
  cache.set(key, compiled)
  return compiled
}
