// Validation and compilation of connector and composite definitions (SPEC §1, §15). Each function
// reports every problem it finds (never stopping at the first) and returns a compiled value only
// when the definition had no error.
import { compileAuthentication } from '../auth/compile.js'
import type { AuthDefinition } from '../auth/types.js'
import { compileTemplate } from '../template/index.js'
import { TemplateCompileError } from '../template/types.js'
import type { CompiledTemplate, FieldKind } from '../template/types.js'
import { derivePermalink, permalinkProblem } from './permalink.js'
import {
  BODY_METHODS, COMPOSITE_FIELDS, CONNECTOR_FIELDS, DEFAULT_METHOD, HEADER_NAME, LIMITS, MANAGED_HEADERS,
  MEDIA_TYPE, METHODS, PATH_PARAM_VALUE, REGISTRY_FIELDS, ROW_FIELDS, STEP_FIELDS, describe, isPlainObject
} from './schema.js'
import { templateFacts } from '../template/meta.js'
import type { DestinationPolicy } from '../upstream/destination-policy.js'
import type {
  CompositeConnector, CompositeStep, Connector, HttpMethod, KeyValueRow, PathParamRow, RegistryOptions, RegistryProblem, Step
} from './types.js'
import { checkUrlTemplate, urlTarget, type UrlShape } from '../upstream/url-template.js'
import { checkCache, checkRateLimit } from './traffic-fields.js'

export interface Problems {
  errors: RegistryProblem[]
  warnings: RegistryProblem[]
}

export interface CompileContext {
  options: RegistryOptions
  /** The options' destination policy, built once per load and shared by every compiled step. */
  policy: DestinationPolicy
  /** Where the definitions came from (a file path, or a name such as `request body`). */
  source: string
}

interface Kinds {
  url: FieldKind
  header: FieldKind
  query: FieldKind
  auth: 'auth' | 'step_auth'
  request_body: FieldKind
  response_body: FieldKind
}

const CONNECTOR_KINDS: Kinds = { url: 'url', header: 'header', query: 'query', auth: 'auth', request_body: 'request_body', response_body: 'response_body' }
const STEP_KINDS: Kinds = { url: 'step_url', header: 'step_header', query: 'step_query', auth: 'step_auth', request_body: 'step_request_body', response_body: 'step_response_body' }

const STEP_NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/

/** Problems of one definition, all tagged with its file and name. */
class Checker {
  constructor (readonly out: Problems, readonly file: string, readonly connector: string, readonly options: RegistryOptions,
    readonly policy: DestinationPolicy) {}

  error (field: string | undefined, message: string, pos?: { line: number, column: number }): void {
    this.out.errors.push(this.problem(field, message, pos))
  }

  warn (field: string | undefined, message: string): void {
    this.out.warnings.push(this.problem(field, message))
  }

  private problem (field: string | undefined, message: string, pos?: { line: number, column: number }): RegistryProblem {
    const p: RegistryProblem = { message, file: this.file, connector: this.connector }
    if (field !== undefined && field !== '') p.field = field
    if (pos !== undefined) { p.line = pos.line; p.column = pos.column }
    return p
  }

  template (field: string, source: string, kind: FieldKind): CompiledTemplate | undefined {
    if (Buffer.byteLength(source) > LIMITS.templateBytes) {
      this.error(field, `template is too large: at most ${LIMITS.templateBytes} bytes`)
      return undefined
    }
    try {
      return compileTemplate(source, kind)
    } catch (err) {
      if (!(err instanceof TemplateCompileError)) throw err
      for (const p of err.problems) this.error(field, p.message, { line: p.line, column: p.column })
      return undefined
    }
  }

  /** A string field; undefined when absent or invalid (invalid is reported). */
  string (raw: unknown, field: string, opts: { required?: boolean, max?: number }): string | undefined {
    if (raw === undefined || raw === null) {
      if (opts.required === true) this.error(field, 'is required')
      return undefined
    }
    if (typeof raw !== 'string') {
      this.error(field, `must be a string, not ${describe(raw)}`)
      return undefined
    }
    if (opts.required === true && raw.trim() === '') {
      this.error(field, 'must not be empty')
      return undefined
    }
    if (opts.max !== undefined && raw.length > opts.max) {
      this.error(field, `must be at most ${opts.max} characters (got ${raw.length})`)
      return undefined
    }
    return raw
  }

  unknownFields (obj: Record<string, unknown>, known: readonly string[], prefix: string, what: string): void {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) this.warn(prefix + key, `unknown ${what} field '${key}' is ignored`)
    }
  }

  permalink (raw: Record<string, unknown>, name: string | undefined): string | undefined {
    if (raw.permalink === undefined || raw.permalink === null || raw.permalink === '') {
      if (name === undefined) return undefined
      const derived = derivePermalink(name)
      if (derived === '') {
        this.error('permalink', `cannot be derived from name '${name}' (it has no letters or digits); set a permalink`)
        return undefined
      }
      return derived.slice(0, LIMITS.permalink).replace(/-+$/, '')
    }
    if (typeof raw.permalink !== 'string') {
      this.error('permalink', `must be a string, not ${describe(raw.permalink)}`)
      return undefined
    }
    const problem = permalinkProblem(raw.permalink)
    if (problem !== undefined) { this.error('permalink', problem); return undefined }
    return raw.permalink
  }

  method (raw: unknown, field: string): HttpMethod {
    if (raw === undefined || raw === null || raw === '') return DEFAULT_METHOD
    if (typeof raw !== 'string') {
      this.error(field, `must be a string, not ${describe(raw)}`)
      return DEFAULT_METHOD
    }
    const upper = raw.trim().toUpperCase()
    if (!METHODS.includes(upper)) {
      this.error(field, `'${raw}' is not supported; use one of ${METHODS.join(', ')}`)
      return DEFAULT_METHOD
    }
    return upper as HttpMethod
  }

  url (raw: unknown, field: string, kind: FieldKind): { template?: CompiledTemplate, shape?: UrlShape } {
    const source = this.string(raw, field, { required: true })
    if (source === undefined) return {}
    const shape = checkUrlTemplate(source, this.policy)
    for (const p of shape.problems) {
      this.error(field, p.message, p.line === undefined ? undefined : { line: p.line, column: p.column ?? 1 })
    }
    return { template: this.template(field, source, kind), shape }
  }

  rows (raw: unknown, field: string, kind: FieldKind, isHeader: boolean): KeyValueRow[] {
    if (raw === undefined || raw === null) return []
    if (!Array.isArray(raw)) {
      this.error(field, `must be an array of {key, value, overridable} rows, not ${describe(raw)}`)
      return []
    }
    const rows: KeyValueRow[] = []
    const seen = new Map<string, number>()
    raw.forEach((row: unknown, i) => {
      const f = `${field}[${i}]`
      if (!isPlainObject(row)) { this.error(f, `must be an object {key, value, overridable}, not ${describe(row)}`); return }
      this.unknownFields(row, ROW_FIELDS, `${f}.`, 'row')
      const key = this.string(row.key, `${f}.key`, { required: true, max: LIMITS.key })
      if (key !== undefined) {
        if (isHeader && !HEADER_NAME.test(key)) {
          this.error(`${f}.key`, `'${key}' is not a valid header name`)
        } else if (isHeader && MANAGED_HEADERS.has(key.toLowerCase())) {
          this.error(`${f}.key`, `header '${key}' is managed by the HTTP client and cannot be configured`)
        } else if (key !== key.trim()) {
          this.error(`${f}.key`, `'${key}' has leading or trailing spaces`)
        }
        const dupKey = isHeader ? key.toLowerCase() : key
        const first = seen.get(dupKey)
        if (first !== undefined) {
          this.error(`${f}.key`, `duplicate ${isHeader ? 'header' : 'query parameter'} '${key}' (also ${field}[${first}]${isHeader ? '; header names are case-insensitive' : ''})`)
        } else seen.set(dupKey, i)
      }
      let value: CompiledTemplate | undefined
      if (row.value === undefined || row.value === null) {
        this.error(`${f}.value`, 'is required (use "" for an empty value)')
      } else {
        const source = this.string(row.value, `${f}.value`, { max: LIMITS.value })
        if (source !== undefined) value = this.template(`${f}.value`, source, kind)
      }
      const overridable = this.boolean(row.overridable, `${f}.overridable`)
      if (key !== undefined && value !== undefined) rows.push({ key, value, overridable })
    })
    return rows
  }

  boolean (raw: unknown, field: string): boolean {
    if (raw === undefined || raw === null) return false
    if (typeof raw !== 'boolean') { this.error(field, `must be true or false, not ${describe(raw)}`); return false }
    return raw
  }

  pathParams (raw: unknown): PathParamRow[] {
    const field = 'path_parameters'
    if (raw === undefined || raw === null) return []
    if (!Array.isArray(raw)) {
      this.error(field, `must be an array of {key, value?, overridable?} rows, not ${describe(raw)}`)
      return []
    }
    const rows: PathParamRow[] = []
    const seen = new Map<string, number>()
    raw.forEach((row: unknown, i) => {
      const f = `${field}[${i}]`
      if (!isPlainObject(row)) { this.error(f, `must be an object {key, value?, overridable?}, not ${describe(row)}`); return }
      this.unknownFields(row, ROW_FIELDS, `${f}.`, 'row')
      const key = this.string(row.key, `${f}.key`, { required: true, max: LIMITS.key })
      if (key !== undefined) {
        const first = seen.get(key)
        if (first !== undefined) this.error(`${f}.key`, `duplicate path parameter '${key}' (also ${field}[${first}])`)
        else seen.set(key, i)
      }
      let value: string | undefined
      if (row.value !== undefined && row.value !== null && row.value !== '') {
        value = this.string(row.value, `${f}.value`, {})
        if (value !== undefined && (!PATH_PARAM_VALUE.test(value) || value.includes('..'))) {
          this.error(`${f}.value`, `'${value}' is not a valid path parameter value: use 1–${LIMITS.pathParamValue} of A-Z a-z 0-9 . _ ~ - and no '..'`)
          value = undefined
        }
      }
      const overridable = this.boolean(row.overridable, `${f}.overridable`)
      if (key !== undefined && value === undefined && !overridable) {
        this.warn(f, `path parameter '${key}' has no value and is not overridable: every call will fail with MISSING_PATH_PARAMETERS`)
      }
      if (key !== undefined) rows.push(value === undefined ? { key, overridable } : { key, value, overridable })
    })
    return rows
  }

  /** Checks path parameter declarations against the URL's references; returns the URL's keys in order. */
  pathParamRefs (url: string, rows: PathParamRow[]): string[] {
    const keys: string[] = []
    for (const ref of templateFacts(url)?.reads('pathParams') ?? []) {
      const pos = { line: ref.line, column: ref.column }
      if (ref.key === undefined) {
        this.error('url', 'read path parameters as {{ pathParams.key }} so their keys are known at load', pos)
        continue
      }
      if (!rows.some(r => r.key === ref.key)) {
        this.error('url', `uses pathParams.${ref.key} but path_parameters has no row with key '${ref.key}'`, pos)
      }
      if (!keys.includes(ref.key)) keys.push(ref.key)
    }
    rows.forEach((row, i) => {
      if (!keys.includes(row.key)) {
        this.error(`path_parameters[${i}].key`, `path parameter '${row.key}' is not used in url; reference it as {{ pathParams.${row.key} }}`)
      }
    })
    return keys
  }

  authentication (raw: unknown, kind: 'auth' | 'step_auth', prefix: string): { definition?: AuthDefinition, normalised: unknown } {
    const normalised = isPlainObject(raw) && raw.type === 'apikey' ? { ...raw, type: 'api_key' } : raw
    const result = compileAuthentication(normalised, {
      allowInsecure: this.options.allowInsecure,
      allowPrivateNetworks: this.options.allowPrivateNetworks,
      policy: this.policy,
      fieldKind: kind
    })
    const field = (f: string): string => f === '' ? prefix : `${prefix}.${f}`
    for (const p of result.problems) {
      this.error(field(p.field), p.message, p.line === undefined ? undefined : { line: p.line, column: p.column ?? 0 })
    }
    for (const w of result.warnings) this.warn(field(w.field), w.message)
    return { definition: result.definition, normalised }
  }

  body (raw: unknown, field: string, kind: FieldKind): CompiledTemplate | null {
    const source = this.string(raw, field, {})
    if (source === undefined || source.trim() === '') return null
    return this.template(field, source, kind) ?? null
  }

  contentType (raw: unknown, field: string): string {
    const value = this.string(raw, field, { max: LIMITS.responseContentType })
    if (value === undefined || value === '') return ''
    if (!MEDIA_TYPE.test(value)) {
      this.error(field, `'${value}' is not a media type such as application/json`)
      return ''
    }
    return value
  }

  timeout (raw: unknown, field: string): number | undefined {
    if (raw === undefined || raw === null) return undefined
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > LIMITS.timeoutMs) {
      this.error(field, `must be a whole number of milliseconds from 1 to ${LIMITS.timeoutMs}, not ${JSON.stringify(raw)}`)
      return undefined
    }
    return raw
  }
}

/** The templates of an auth definition (claims and JWT headers included). */
export function authTemplates (auth: AuthDefinition): CompiledTemplate[] {
  const out: CompiledTemplate[] = []
  const visit = (v: unknown): void => {
    if (isTemplate(v)) out.push(v)
    else if (isPlainObject(v)) Object.values(v).forEach(visit)
  }
  for (const [k, v] of Object.entries(auth)) if (k !== 'type') visit(v)
  return out
}

function isTemplate (v: unknown): v is CompiledTemplate {
  return isPlainObject(v) && typeof v.render === 'function' && Array.isArray(v.secretNames)
}

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

export interface CompiledDocument {
  connectors: Connector[]
  composites: CompositeConnector[]
}

/** A whole registry document `{ connectors, composite_connectors }`. */
export function compileRegistryDocument (doc: unknown, ctx: CompileContext, out: Problems): CompiledDocument {
  const result: CompiledDocument = { connectors: [], composites: [] }
  if (!isPlainObject(doc)) {
    out.errors.push({ file: ctx.source, message: `a registry must be a JSON object { "connectors": [...], "composite_connectors": [...] }, not ${describe(doc)}` })
    return result
  }
  for (const key of Object.keys(doc)) {
    if (!(REGISTRY_FIELDS as readonly string[]).includes(key)) {
      out.warnings.push({ file: ctx.source, field: key, message: `unknown registry field '${key}' is ignored` })
    }
  }
  const list = (key: 'connectors' | 'composite_connectors'): unknown[] => {
    const v = doc[key]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      out.errors.push({ file: ctx.source, field: key, message: `must be an array, not ${describe(v)}` })
      return []
    }
    return v
  }
  list('connectors').forEach((raw, i) => {
    const conn = compileConnector(raw, i, ctx, out)
    if (conn !== undefined) result.connectors.push(conn)
  })
  list('composite_connectors').forEach((raw, i) => {
    const comp = compileComposite(raw, i, ctx, out)
    if (comp !== undefined) result.composites.push(comp)
  })
  return result
}

/**
 * Merges compiled documents, reporting duplicate permalinks. Connectors and composite connectors
 * are called at different paths (/connectors/{p} and /connectors/composite/{p}), so each kind has
 * its own permalink namespace.
 */
export function mergeDocuments (docs: CompiledDocument[], out: Problems): {
  connectors: Map<string, Connector>
  composites: Map<string, CompositeConnector>
} {
  const connectors = new Map<string, Connector>()
  const composites = new Map<string, CompositeConnector>()
  const add = <T extends { name: string, permalink: string, source: string }>(map: Map<string, T>, item: T, kind: string): void => {
    const prior = map.get(item.permalink)
    if (prior === undefined) { map.set(item.permalink, item); return }
    const where = prior.source === item.source ? '' : ` in ${prior.source}`
    out.errors.push({
      file: item.source,
      connector: item.name,
      field: 'permalink',
      message: `duplicate permalink '${item.permalink}': already used by ${kind} '${prior.name}'${where}`
    })
  }
  for (const doc of docs) {
    for (const c of doc.connectors) add(connectors, c, 'connector')
    for (const c of doc.composites) add(composites, c, 'composite connector')
  }
  return { connectors, composites }
}
