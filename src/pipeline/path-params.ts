// Path parameters of SPEC §2: they travel urlencoded in X-Path-Params; a value comes from the
// caller only for overridable rows; every value is checked and percent-encoded into the path.
import { ConduitError } from '../errors.js'
import type { Connector } from '../registry/types.js'

export const PATH_PARAMS_HEADER_MAX = 4096
const VALUE = /^[A-Za-z0-9._~-]{1,200}$/

/** Parses the X-Path-Params header like a query string; the last of repeated keys wins. */
export function parsePathParamsHeader (header: string | string[] | undefined): Record<string, string> {
  const text = Array.isArray(header) ? header.join('&') : header
  const out: Record<string, string> = Object.create(null)
  if (text === undefined || text === '') return out
  if (text.length > PATH_PARAMS_HEADER_MAX) {
    throw new ConduitError('INVALID_REQUEST', `X-Path-Params is ${text.length} characters long; at most ${PATH_PARAMS_HEADER_MAX} are allowed`)
  }
  for (const [key, value] of new URLSearchParams(text)) out[key] = value
  return out
}

export function isValidPathParamValue (value: string): boolean {
  return VALUE.test(value) && !value.includes('..')
}

/**
 * The percent-encoded value of every path parameter the URL references. Missing keys win over
 * invalid ones (SPEC §2): both errors list every offending key.
 */
export function resolvePathParams (connector: Connector, fromCaller: Readonly<Record<string, string>>): Record<string, string> {
  const keys = connector.urlPathParamKeys
  const out: Record<string, string> = {}
  if (keys.length === 0) return out
  let missing: string[] | undefined
  let invalid: string[] | undefined
  for (const key of keys) {
    const row = connector.pathParams.find(r => r.key === key)
    let value: string | undefined
    if (row !== undefined && row.overridable && Object.hasOwn(fromCaller, key)) value = fromCaller[key]
    else if (row?.value !== undefined && row.value !== '') value = row.value
    if (value === undefined) {
      (missing ??= []).push(key)
    } else if (!isValidPathParamValue(value)) {
      (invalid ??= []).push(key)
    } else {
      out[key] = encodeURIComponent(value)
    }
  }
  if (missing !== undefined) {
    throw new ConduitError('MISSING_PATH_PARAMETERS', `Missing path parameters: ${missing.join(', ')}`, { params: missing })
  }
  if (invalid !== undefined) {
    throw new ConduitError('INVALID_PATH_PARAMETERS',
      `Invalid path parameters: ${invalid.join(', ')} (a value is 1-200 characters of A-Z a-z 0-9 . _ ~ - and never contains '..')`,
      { params: invalid })
  }
  return out
}
