// Authentication at request time (SPEC §6, §9): render every template of a definition, apply it
// through its type's strategy, and the X-Debug-Request view. What each type does is its strategy
// (strategy.ts, table.ts); this module only walks definitions and dispatches.
import { ConduitError } from '../errors.js'
import { TemplateRenderError } from '../template/types.js'
import type { CompiledTemplate, RenderContext } from '../template/types.js'
import { scrub } from '../secrets/redact.js'
import type { ApplyDeps } from './strategy.js'
import { strategyOf, STRATEGIES } from './table.js'
import type { AuthDefinition, AuthOutcome, RenderedAuth } from './types.js'

export { DEBUG_MASK, type ApplyDeps } from './strategy.js'
export { JWT_BEARER_GRANT, ASSERTION_LIFETIME_SECONDS } from './strategies/jwt-bearer.js'
export { TOKEN_EXPIRY_MARGIN_SECONDS, DEFAULT_TOKEN_REUSE_SECONDS } from './token-request.js'

function isTemplate (v: unknown): v is CompiledTemplate {
  return typeof v === 'object' && v !== null && typeof (v as CompiledTemplate).render === 'function' &&
    Array.isArray((v as CompiledTemplate).secretNames)
}

/** Every template of a definition (claims and JWT headers included), in field order. */
export function authTemplates (def: AuthDefinition): CompiledTemplate[] {
  const out: CompiledTemplate[] = []
  for (const [key, v] of Object.entries(def)) {
    if (key === 'type') continue
    if (isTemplate(v)) out.push(v)
    else if (typeof v === 'object' && v !== null) for (const t of Object.values(v)) if (isTemplate(t)) out.push(t)
  }
  return out
}

function uniqueNames (def: AuthDefinition, pick: (t: CompiledTemplate) => readonly string[]): string[] {
  const names = new Set<string>()
  for (const t of authTemplates(def)) for (const n of pick(t)) names.add(n)
  return [...names]
}

/** Secret names the definition's templates read (resolve them before renderAuthentication). */
export function authSecretNames (def: AuthDefinition): string[] {
  return uniqueNames(def, t => t.secretNames)
}

export function authVariableNames (def: AuthDefinition): string[] {
  return uniqueNames(def, t => t.variableNames)
}

function renderField (field: string, t: CompiledTemplate, context: RenderContext): string {
  try {
    return t.render(context)
  } catch (err) {
    if (err instanceof TemplateRenderError) {
      // Render messages do not quote values, but a secret must not leave even if one did.
      const secrets = context.secrets === undefined ? [] : Object.values(context.secrets)
      throw new ConduitError('TEMPLATE_RENDER_ERROR', `Error rendering authentication.${field}: ${scrub(err.message, secrets)}`)
    }
    throw err
  }
}

/**
 * Renders every template of the definition with the request context (secrets included): the same
 * shape with each template replaced by its output, plus the plain values its strategy's configKeys
 * name (algorithm, in, token_ttl).
 */
export function renderAuthentication (def: AuthDefinition, context: RenderContext): RenderedAuth {
  if (def.type === 'none') return { type: 'none' }
  const out: RenderedAuth = { type: def.type }
  const fields = def as unknown as Record<string, unknown>
  for (const [key, kind] of fieldsOf(def)) {
    const v = fields[key]
    if (kind === 'template') {
      out[key] = renderField(`config.${key}`, v as CompiledTemplate, context)
    } else if (kind === 'map') {
      const rendered: Record<string, string> = {}
      for (const [k, t] of Object.entries(v as Record<string, CompiledTemplate>)) rendered[k] = renderField(`config.${key}.${k}`, t, context)
      out[key] = rendered
    } else {
      out[key] = v as string | number
    }
  }
  return out
}

type FieldKind = 'template' | 'map' | 'plain'
/** Per compiled definition (immutable once compiled): its configured fields and what each holds. */
const FIELD_LISTS = new WeakMap<AuthDefinition, ReadonlyArray<readonly [string, FieldKind]>>()

function fieldsOf (def: Exclude<AuthDefinition, { type: 'none' }>): ReadonlyArray<readonly [string, FieldKind]> {
  let list = FIELD_LISTS.get(def)
  if (list === undefined) {
    const known = STRATEGIES[def.type].configKeys
    const found: Array<readonly [string, FieldKind]> = []
    for (const [key, v] of Object.entries(def)) {
      if (!known.includes(key) || v === undefined) continue
      if (isTemplate(v)) found.push([key, 'template'])
      else if (typeof v === 'object' && v !== null) found.push([key, 'map'])
      else if (typeof v === 'string' || typeof v === 'number') found.push([key, 'plain'])
    }
    list = found
    FIELD_LISTS.set(def, list)
  }
  return list
}

/**
 * What authentication adds to the request. Token requests and JWT signing happen here; a type that
 * fetches nothing answers at once (no promise per request), the others with a promise.
 */
export function applyAuthentication (def: AuthDefinition, rendered: RenderedAuth, deps: ApplyDeps): AuthOutcome | Promise<AuthOutcome> {
  if (def.type === 'none') return { headers: {}, query: [] }
  return strategyOf(def).apply(def, rendered, deps)
}

/** Renders a template for X-Debug-Request without secret access. */
export type DebugRenderer = (template: CompiledTemplate) => string

function debugRenderer (render: RenderContext | DebugRenderer): DebugRenderer {
  if (typeof render === 'function') return render
  const context: RenderContext = { ...render, secrets: {} }
  return (t) => {
    try {
      return t.render(context)
    } catch {
      return t.source
    }
  }
}

/**
 * The `authentication` member of X-Debug-Request (SPEC §9): credential fields and JWT claims are
 * always masked; a field that uses get_secret shows its template text; the rest are rendered.
 */
export function debugAuthentication (def: AuthDefinition, render: RenderContext | DebugRenderer): Record<string, unknown> {
  if (def.type === 'none') return { type: 'none' }
  const renderer = debugRenderer(render)
  const show = (t: CompiledTemplate): string => t.secretNames.length > 0 ? t.source : renderer(t)
  return { type: def.type, config: strategyOf(def).debug(def, show) }
}
