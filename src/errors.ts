// Every error Conduit produces is a ConduitError with a code from this one table; the HTTP layer
// maps it to the JSON envelope of SPEC §11 in one place (toEnvelope).

export const ERROR_CODES = {
  METHOD_NOT_ALLOWED: { status: 400 },
  MISSING_PATH_PARAMETERS: { status: 400 },
  INVALID_PATH_PARAMETERS: { status: 400 },
  INVALID_REQUEST: { status: 400 },
  // What Node's HTTP parser refuses before a request exists (the envelope written to the socket).
  REQUEST_TIMEOUT: { status: 408 },
  HEADERS_TOO_LARGE: { status: 431 },
  AUTHENTICATION_REQUIRED: { status: 401 },
  INVALID_CALLER_TOKEN: { status: 401 },
  UNAUTHORIZED: { status: 401 },
  CONNECTOR_NOT_FOUND: { status: 404 },
  NOT_FOUND: { status: 404 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  TEMPLATE_RENDER_ERROR: { status: 422, scope: 'Configuration (template rendering)' },
  RESPONSE_TEMPLATE_RENDER_ERROR: { status: 422, scope: 'Configuration (response template rendering)' },
  JWT_SIGNING_ERROR: { status: 422, scope: 'Authentication (JWT signing)' },
  SECRET_NOT_FOUND: { status: 422, scope: 'Configuration (secrets)' },
  INVALID_CONNECTOR: { status: 422, scope: 'Configuration (connector definition)' },
  RATE_LIMITED: { status: 429 },
  UPSTREAM_TIMEOUT: { status: 502, scope: 'Downstream (network/external service)' },
  UPSTREAM_UNREACHABLE: { status: 502, scope: 'Downstream (network/external service)' },
  UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, scope: 'Downstream (network/external service)' },
  DESTINATION_NOT_ALLOWED: { status: 502, scope: 'Downstream (network/external service)' },
  COMPOSITE_STEP_FAILED: { status: 502 },
  TOKEN_REQUEST_FAILED: { status: 502, scope: 'Authentication (token request)' },
  SECRET_STORE_UNAVAILABLE: { status: 503, scope: 'Secrets (store unavailable)' },
  // Admin API (SPEC §5): secret and variable saves.
  INVALID_NAME: { status: 400 },
  EMPTY_VALUE: { status: 400 },
  DUPLICATE_NAME: { status: 409 },
  INTERNAL_ERROR: { status: 500 }
} as const satisfies Record<string, { status: number, scope?: string }>

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorBody {
  code: ErrorCode
  detail: string
  scope?: string
  params?: unknown
}

export interface Envelope {
  success: false
  errors: ErrorBody
  request_id: string
}

export class ConduitError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly scope: string | undefined
  readonly params: unknown

  constructor (code: ErrorCode, detail: string, options: { scope?: string, params?: unknown, cause?: unknown } = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ConduitError'
    this.code = code
    const entry: { status: number, scope?: string } = ERROR_CODES[code]
    this.status = entry.status
    this.scope = options.scope ?? entry.scope
    this.params = options.params
  }

  get detail (): string {
    return this.message
  }
}

export function isConduitError (err: unknown): err is ConduitError {
  return err instanceof ConduitError
}

/** The one place errors become the public envelope. Anything that is not a ConduitError is an internal error whose text never leaves. */
export function toEnvelope (err: unknown, requestId: string): { status: number, body: Envelope } {
  if (!isConduitError(err)) {
    return {
      status: 500,
      body: { success: false, errors: { code: 'INTERNAL_ERROR', detail: 'Unexpected error' }, request_id: requestId }
    }
  }
  const errors: ErrorBody = { code: err.code, detail: err.message }
  if (err.scope !== undefined) errors.scope = err.scope
  if (err.params !== undefined) errors.params = err.params
  return { status: err.status, body: { success: false, errors, request_id: requestId } }
}
