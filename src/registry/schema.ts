// The connector field table of SPEC §1 and §15 as data: known fields, limits and defaults. The
// checks that use them live in validate.ts.
import { HTTP_METHODS } from './types.js'

export const CONNECTOR_FIELDS = [
  'name', 'permalink', 'url', 'method', 'headers', 'query_parameters', 'path_parameters',
  'authentication', 'request_body', 'response_body', 'response_content_type', 'timeout_ms',
  'rate_limit', 'cache'
] as const

export const COMPOSITE_FIELDS = ['name', 'permalink', 'steps', 'rate_limit', 'cache'] as const

export const STEP_FIELDS = [
  'name', 'url', 'method', 'headers', 'query_parameters', 'authentication',
  'request_body', 'response_body', 'response_content_type', 'timeout_ms'
] as const

export const REGISTRY_FIELDS = ['connectors', 'composite_connectors'] as const

export const ROW_FIELDS = ['key', 'value', 'overridable'] as const

export const LIMITS = {
  name: 255,
  permalink: 255,
  url: 2048,
  key: 255,
  value: 1000,
  responseContentType: 255,
  /** SPEC §4.5: template source. */
  templateBytes: 64 * 1024,
  /** SPEC §2: a configured path parameter value. */
  pathParamValue: 200,
  timeoutMs: 300_000
} as const

export const DEFAULT_METHOD = 'GET'
export const METHODS: readonly string[] = HTTP_METHODS
/** Only these methods send a body upstream (SPEC §2). */
export const BODY_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH']

/** SPEC §2: what a path parameter value may be. */
export const PATH_PARAM_VALUE = /^[A-Za-z0-9._~-]{1,200}$/

/** RFC 9110 token: a header field name. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Headers the HTTP client manages; a configured value could not be honoured. */
export const MANAGED_HEADERS = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'proxy-connection'
])

/** `type/subtype` with optional parameters, no line breaks. */
export const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[^\r\n]*)?$/

export function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function describe (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  const type = typeof v
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`
}
