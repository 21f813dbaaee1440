// Upstream failures as ConduitError codes (SPEC §7, §11). Details name the host only: the URL's
// query may carry a secret.
import type { Readable } from 'node:stream'
import { ConduitError } from '../errors.js'
import { isDestinationNotAllowed } from './dispatcher.js'

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the upstream',
  UND_ERR_CLOSED: 'connection closed',
  HPE_INVALID_CONSTANT: 'invalid HTTP response',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate verification failed (self-signed certificate)',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate verification failed (self-signed certificate in chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate verification failed (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate verification failed (unknown issuer)'
}

function errorCode (err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'UND_ERR_REQ_RETRY') return code
  }
  return undefined
}

/** Stops reading a body; the abort error this raises has no one else to go to. */
export function discard (body: Readable): void {
  body.on('error', () => {})
  body.destroy()
}

export interface CallContext {
  host: string
  timeoutMs: number
  maxResponseBytes: number
  timedOut: () => boolean
}

export function tooLarge (ctx: CallContext): ConduitError {
  return new ConduitError('UPSTREAM_RESPONSE_TOO_LARGE', `Response from upstream ${ctx.host} exceeds the limit of ${ctx.maxResponseBytes} bytes`)
}

export function toConduitError (err: unknown, ctx: CallContext): ConduitError {
  if (err instanceof ConduitError) return err
  if (isDestinationNotAllowed(err)) {
    return new ConduitError('DESTINATION_NOT_ALLOWED',
      `Destination ${ctx.host} is not allowed: it is or resolves to a loopback, private, link-local or reserved address`, { cause: err })
  }
  const code = errorCode(err)
  if (ctx.timedOut() || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ConduitError('UPSTREAM_TIMEOUT', `Upstream ${ctx.host} did not answer within ${ctx.timeoutMs} ms`, { cause: err })
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ConduitError('UPSTREAM_TIMEOUT', `Connecting to upstream ${ctx.host} timed out`, { cause: err })
  }
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
    // undici names the offending header, never its value.
    return new ConduitError('INVALID_CONNECTOR', `Request to upstream ${ctx.host} cannot be sent: ${(err as Error).message}`, { cause: err })
  }
  const reason = (code !== undefined ? NETWORK_REASONS[code] : undefined) ?? (code?.startsWith('ERR_TLS') === true ? 'TLS error' : 'network error')
  return new ConduitError('UPSTREAM_UNREACHABLE', `Upstream ${ctx.host} is unreachable: ${reason}`, { cause: err })
}
