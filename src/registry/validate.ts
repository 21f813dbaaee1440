// Validation and compilation of connector and composite definitions (SPEC §1, §15): the fields
// every step has, read through the Checker (fields.ts), assembled into the compiled Step, Connector
// and CompositeConnector with the facts computed once. Each function reports every problem it finds
// and returns a compiled value only when the definition had no error. Whole documents: document.ts.
import { authTemplates } from '../auth/apply.js'
import type { AuthDefinition } from '../auth/types.js'
import type { CompiledTemplate } from '../template/types.js'
import { templateFacts } from '../template/meta.js'
import { urlTarget, type UrlShape } from '../upstream/url-template.js'
import { BODY_METHODS, COMPOSITE_FIELDS, CONNECTOR_FIELDS, LIMITS, STEP_FIELDS, describe, isPlainObject } from './schema.js'
import type { CompositeConnector, CompositeStep, Connector, HttpMethod, KeyValueRow, Step } from './types.js'
import { Checker, CONNECTOR_KINDS, STEP_KINDS, STEP_NAME, type CompileContext, type Kinds, type Problems } from './fields.js'
import { checkCache, checkRateLimit } from './traffic-fields.js'

export type { CompileContext, Problems } from './fields.js'

function union (templates: Array<CompiledTemplate | null | undefined>, pick: (t: CompiledTemplate) => readonly string[]): string[] {
  const out = new Set<string>()
  for (const t of templates) if (t != null) for (const n of pick(t)) out.add(n)
  return [...out]
}

function labelOf (raw: unknown, fallback: string): string {
  if (isPlainObject(raw) && typeof raw.name === 'string' && raw.name.trim() !== '') return raw.name
  return fallback
}

function cloneDefinition (raw: Record<string, unknown>, auth: unknown): Record<string, unknown> {
  const copy = structuredClone(raw)
  if (auth !== undefined) copy.authentication = structuredClone(auth)
  return copy
}

/** What a step's address fields compiled to (method, url, headers, query). */
interface AddressFields {
  method: HttpMethod
  url?: CompiledTemplate
  shape?: UrlShape
  headers: KeyValueRow[]
  query: KeyValueRow[]
}

/** What the rest of a step's fields compiled to (authentication, bodies, content type, timeout). */
interface ExchangeFields {
  auth: { definition?: AuthDefinition, normalised: unknown }
  requestBody: CompiledTemplate | null
  responseBody: CompiledTemplate | null
  responseContentType: string
  timeoutMs?: number
}

/**
 * The fields every step has, in two halves so a connector can check its path parameters between
 * them (problems are reported in field order). `prefix` is '' for a connector, 'steps[i].' for a step.
 */
function addressFields (raw: Record<string, unknown>, prefix: string, k: Kinds, c: Checker): AddressFields {
  const method = c.method(raw.method, `${prefix}method`)
  const { template: url, shape } = c.url(raw.url, `${prefix}url`, k.url)
  const headers = c.rows(raw.headers, `${prefix}headers`, k.header, true)
  const query = c.rows(raw.query_parameters, `${prefix}query_parameters`, k.query, false)
  return { method, url, shape, headers, query }
}

function exchangeFields (raw: Record<string, unknown>, prefix: string, k: Kinds, method: HttpMethod, c: Checker): ExchangeFields {
  const auth = c.authentication(raw.authentication, k.auth, `${prefix}authentication`)
  const requestBody = c.body(raw.request_body, `${prefix}request_body`, k.request_body)
  const responseBody = c.body(raw.response_body, `${prefix}response_body`, k.response_body)
  const responseContentType = c.contentType(raw.response_content_type, `${prefix}response_content_type`)
  const timeoutMs = c.timeout(raw.timeout_ms, `${prefix}timeout_ms`)
  if (requestBody !== null && !BODY_METHODS.includes(method)) {
    c.warn(`${prefix}request_body`, `is ignored: ${method} requests never send a body (only ${BODY_METHODS.join(', ')} do)`)
  }
  return { auth, requestBody, responseBody, responseContentType, timeoutMs }
}

/** The compiled step of valid fields, with the facts computed once: names, query keys, host rule. */
function assembleStep (
  a: AddressFields & { url: CompiledTemplate, shape: UrlShape }, e: ExchangeFields & { auth: { definition: AuthDefinition } }, c: Checker
): Step {
  const authT = authTemplates(e.auth.definition)
  const rowT = [...a.headers, ...a.query].map(r => r.value)
  const step: Step = {
    method: a.method,
    url: a.url,
    headers: a.headers,
    query: a.query,
    queryKeys: new Set(a.query.map(r => r.key)),
    authentication: e.auth.definition,
    requestBody: e.requestBody,
    responseBody: e.responseBody,
    responseContentType: e.responseContentType,
    secretNames: union([...rowT, ...authT], t => t.secretNames),
    variableNames: union([a.url, ...rowT, ...authT], t => t.variableNames),
    target: urlTarget(a.url.source, a.url.isStatic, a.shape, c.policy)
  }
  if (e.timeoutMs !== undefined) step.timeoutMs = e.timeoutMs
  return step
}

function readsUser (rows: readonly KeyValueRow[]): boolean {
  return rows.some(r => r.value.names.has('user'))
}

/** One connector definition → a Connector, or undefined with its problems in `out.errors`. */
export function compileConnector (raw: unknown, index: number, ctx: CompileContext, out: Problems): Connector | undefined {
  const c = new Checker(out, ctx.source, labelOf(raw, `#${index}`), ctx.options, ctx.policy)
  if (!isPlainObject(raw)) {
    c.error(undefined, `a connector must be an object, not ${describe(raw)}`)
    return undefined
  }
  const before = out.errors.length
  c.unknownFields(raw, CONNECTOR_FIELDS, '', 'connector')
  const name = c.string(raw.name, 'name', { required: true, max: LIMITS.name })
  const permalink = c.permalink(raw, name)
  const a = addressFields(raw, '', CONNECTOR_KINDS, c)
  const pathParams = c.pathParams(raw.path_parameters)
  const urlPathParamKeys = typeof raw.url === 'string' ? c.pathParamRefs(raw.url, pathParams) : []
  const e = exchangeFields(raw, '', CONNECTOR_KINDS, a.method, c)
  const { url, shape } = a
  const definition = e.auth.definition
  const rateLimit = checkRateLimit(raw.rate_limit, 'rate_limit', (f, m) => c.error(f, m), (f, m) => c.warn(f, m))
  const cache = checkCache(raw.cache, 'cache', (f, m) => c.error(f, m))
  if (out.errors.length > before || name === undefined || permalink === undefined || url === undefined ||
    shape === undefined || definition === undefined) return undefined
  return {
    name,
    permalink,
    ...assembleStep({ ...a, url, shape }, { ...e, auth: { ...e.auth, definition } }, c),
    pathParams,
    urlPathParamKeys,
    requiresUser: readsUser([...a.headers, ...a.query]),
    definition: cloneDefinition(raw, raw.authentication === undefined ? undefined : e.auth.normalised),
    source: ctx.source,
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(cache === undefined ? {} : { cache })
  }
}

function compileStep (raw: unknown, i: number, earlier: string[], c: Checker): CompositeStep | undefined {
  const p = `steps[${i}]`
  if (!isPlainObject(raw)) {
    c.error(p, `a step must be an object, not ${describe(raw)}`)
    return undefined
  }
  const before = c.out.errors.length
  c.unknownFields(raw, STEP_FIELDS, `${p}.`, 'step')
  const name = c.string(raw.name, `${p}.name`, { required: true, max: LIMITS.name })
  if (name !== undefined) {
    if (!STEP_NAME.test(name)) {
      c.error(`${p}.name`, `'${name}' is not a valid step name: use lowercase letters, digits, '_' and '-' (steps are read as steps.<name>)`)
    } else if (earlier.includes(name)) {
      c.error(`${p}.name`, `duplicate step name '${name}' (also steps[${earlier.indexOf(name)}])`)
    }
  }
  const a = addressFields(raw, `${p}.`, STEP_KINDS, c)
  const e = exchangeFields(raw, `${p}.`, STEP_KINDS, a.method, c)
  const { url, shape, headers, query } = a
  const definition = e.auth.definition
  const authT = definition === undefined ? [] : authTemplates(definition)
  checkStepRefs(c, p, earlier, [
    ['url', url], ...headers.map((r, n): [string, CompiledTemplate] => [`headers[${n}].value`, r.value]),
    ...query.map((r, n): [string, CompiledTemplate] => [`query_parameters[${n}].value`, r.value]),
    ['request_body', e.requestBody], ['response_body', e.responseBody],
    ...authT.map((t): [string, CompiledTemplate] => ['authentication', t])
  ])
  if (c.out.errors.length > before || name === undefined || url === undefined || shape === undefined ||
    definition === undefined) return undefined
  return { name, ...assembleStep({ ...a, url, shape }, { ...e, auth: { ...e.auth, definition } }, c) }
}

/** A step may read `steps.<name>` only of steps that ran before it. */
function checkStepRefs (c: Checker, prefix: string, earlier: string[], fields: Array<[string, CompiledTemplate | null | undefined]>): void {
  for (const [field, t] of fields) {
    if (t == null) continue
    for (const ref of templateFacts(t.source)?.reads('steps') ?? []) {
      if (ref.key === undefined || earlier.includes(ref.key)) continue
      const known = earlier.length === 0 ? 'none: this is the first step' : earlier.join(', ')
      c.error(`${prefix}.${field}`, `reads steps.${ref.key}, which is not an earlier step (earlier steps: ${known})`,
        field === 'authentication' ? undefined : { line: ref.line, column: ref.column })
    }
  }
}

/** One composite definition (SPEC §15). */
export function compileComposite (raw: unknown, index: number, ctx: CompileContext, out: Problems): CompositeConnector | undefined {
  const c = new Checker(out, ctx.source, labelOf(raw, `composite #${index}`), ctx.options, ctx.policy)
  if (!isPlainObject(raw)) {
    c.error(undefined, `a composite connector must be an object, not ${describe(raw)}`)
    return undefined
  }
  const before = out.errors.length
  c.unknownFields(raw, COMPOSITE_FIELDS, '', 'composite connector')
  const name = c.string(raw.name, 'name', { required: true, max: LIMITS.name })
  const permalink = c.permalink(raw, name)
  const rateLimit = checkRateLimit(raw.rate_limit, 'rate_limit', (f, m) => c.error(f, m), (f, m) => c.warn(f, m))
  const cache = checkCache(raw.cache, 'cache', (f, m) => c.error(f, m))
  const steps: CompositeStep[] = []
  if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
    c.error('steps', raw.steps === undefined ? 'is required: a composite connector needs at least one step' : `must be a non-empty array of steps, not ${describe(raw.steps)}`)
  } else {
    const names: string[] = []
    raw.steps.forEach((s: unknown, i) => {
      const step = compileStep(s, i, [...names], c)
      if (step !== undefined) steps.push(step)
      const stepName = isPlainObject(s) ? s.name : undefined
      if (typeof stepName === 'string' && !names.includes(stepName)) names.push(stepName)
    })
  }
  if (out.errors.length > before || name === undefined || permalink === undefined) return undefined
  const normalisedSteps = (raw.steps as unknown[]).map(s =>
    isPlainObject(s) && isPlainObject(s.authentication) && s.authentication.type === 'apikey'
      ? { ...s, authentication: { ...s.authentication, type: 'api_key' } }
      : s)
  const composite: CompositeConnector = {
    name,
    permalink,
    steps,
    definition: { ...structuredClone(raw), steps: structuredClone(normalisedSteps) },
    source: ctx.source,
    requiresUser: steps.some(s => readsUser([...s.headers, ...s.query])),
    secretNames: [...new Set(steps.flatMap(s => s.secretNames))],
    variableNames: [...new Set(steps.flatMap(s => s.variableNames))]
  }
  if (rateLimit !== undefined) composite.rateLimit = rateLimit
  if (cache !== undefined) {
    composite.cache = cache
    for (const step of steps) step.cache = cache
  }
  return composite
}
