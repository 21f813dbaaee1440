// Field primitives of connector and composite definitions (SPEC §1, §15): one Checker per
// definition reads each field (strings, methods, URLs, rows, path parameters, authentication,
// bodies, content types, timeouts), records every problem with its file, connector and field, and
// never stops at the first. Assembling steps and connectors from these is validate.ts.
import { compileAuthentication } from '../auth/compile.js'
import type { AuthDefinition } from '../auth/types.js'
import { compileTemplate } from '../template/index.js'
import { TemplateCompileError } from '../template/types.js'
import type { CompiledTemplate, FieldKind } from '../template/types.js'
import { templateFacts } from '../template/meta.js'
import type { DestinationPolicy } from '../upstream/destination-policy.js'
import { checkUrlTemplate, type UrlShape } from '../upstream/url-template.js'
import { isHeaderName } from '../upstream/headers.js'
import { derivePermalink, permalinkProblem } from './permalink.js'
import {
  DEFAULT_METHOD, LIMITS, MANAGED_HEADERS, MEDIA_TYPE, METHODS, PATH_PARAM_VALUE, ROW_FIELDS, describe, isPlainObject
} from './schema.js'
import type { HttpMethod, KeyValueRow, PathParamRow, RegistryOptions, RegistryProblem } from './types.js'

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

export interface Kinds {
  url: FieldKind
  header: FieldKind
  query: FieldKind
  auth: 'auth' | 'step_auth'
  request_body: FieldKind
  response_body: FieldKind
}

export const CONNECTOR_KINDS: Kinds = { url: 'url', header: 'header', query: 'query', auth: 'auth', request_body: 'request_body', response_body: 'response_body' }
export const STEP_KINDS: Kinds = { url: 'step_url', header: 'step_header', query: 'step_query', auth: 'step_auth', request_body: 'step_request_body', response_body: 'step_response_body' }

export const STEP_NAME = /^[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/

/** Problems of one definition, all tagged with its file and name. */
export class Checker {
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
        if (isHeader && !isHeaderName(key)) {
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
