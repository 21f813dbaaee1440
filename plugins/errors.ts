// The one error handler (SPEC §11): ConduitErrors become the envelope through toEnvelope; Fastify's
// own errors (bad JSON, body too large, unsupported media type, unknown route) are mapped to their
// codes; anything else is INTERNAL_ERROR with 'Unexpected error'. No stack, path or secret leaves.
import { STATUS_CODES, maxHeaderSize } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requestIdFrom } from '../src/pipeline/timing.js'
import { ConduitError, isConduitError, toEnvelope } from '../src/errors.js'
import type { CallTiming } from '../src/pipeline/timing.js'
import { PERMALINK_MAX } from '../src/registry/permalink.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the execute routes (SPEC §10): timing headers go on every execute response. */
    conduitTiming: CallTiming | null
  }
}

/** Maps an error Fastify raised itself (or a plugin) to a ConduitError. */
export function fromFastifyError (err: FastifyError): ConduitError | undefined {
  const status = err.statusCode
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ConduitError('PAYLOAD_TOO_LARGE', 'The request body is larger than the server.bodyLimit setting allows')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ConduitError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ConduitError('INVALID_REQUEST', "The request body is empty but Content-Type is 'application/json'")
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ConduitError('INVALID_REQUEST', 'The Content-Length header does not match the body')
  }
  if (status === 429) return new ConduitError('RATE_LIMITED', 'Too many requests')
  if (status === 413) return new ConduitError('PAYLOAD_TOO_LARGE', 'The request body is too large')
  if (status === 415) return new ConduitError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send application/json')
  if (status === 404) return new ConduitError('NOT_FOUND', 'Not found')
  // V8's JSON messages quote part of the body, which may hold anything: say what, not the text.
  if (err.name === 'SyntaxError' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ConduitError('INVALID_REQUEST', 'The request body is not valid JSON')
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ConduitError('INVALID_REQUEST', err.validation !== undefined ? err.message : 'Invalid request')
  }
  return undefined
}

function send (request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const mapped = isConduitError(err) ? err : fromFastifyError(err as FastifyError)
  const { status, body } = toEnvelope(mapped, request.id)
  if (mapped === undefined) {
    request.log.error({ err }, 'unexpected error')
  } else if (status >= 500) {
    request.log.warn({ code: body.errors.code, detail: body.errors.detail }, 'request failed')
  } else {
    request.log.info({ code: body.errors.code }, 'request refused')
  }
  // Undefined on the requests Fastify's router refuses before any route (frameworkErrors).
  const timing = request.conduitTiming as CallTiming | null | undefined
  if (timing !== null && timing !== undefined) {
    timing.error = body.errors.code
    reply.headers(timing.headers(request.id))
  }
  return reply.code(status).type('application/json; charset=utf-8').send(body)
}

/** The longest path segment a route parameter takes: a permalink's limit (names have the same, SPEC §16). */
export const MAX_PATH_PARAMETER = PERMALINK_MAX

/**
 * Fastify's `frameworkErrors` option: what its router refuses before any route or hook runs (a path
 * that is not valid percent-encoding, a path parameter longer than `routerOptions.maxParamLength`)
 * gets the envelope too, instead of Fastify's own JSON that quotes the whole path.
 */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-request-id', request.id)
  const path = request.url.split('?')[0].slice(0, 200)
  const mapped = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new ConduitError('NOT_FOUND', `No route ${request.method} ${path}: a path segment is longer than ${MAX_PATH_PARAMETER} characters`)
    : err.code === 'FST_ERR_BAD_URL'
      ? new ConduitError('INVALID_REQUEST', 'The URL path is not valid percent-encoded UTF-8')
      : err
  return send(request, reply, mapped)
}

/**
 * What Node's HTTP parser refuses before there is a request (malformed HTTP, headers over the size
 * limit, a request not received in time) gets the envelope too, written to the socket, which then
 * closes: Fastify's `clientErrorHandler` and the admin listener's 'clientError'.
 */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const refusal = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new ConduitError('REQUEST_TIMEOUT', 'The request was not received in full within server.requestTimeoutMs')
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? new ConduitError('HEADERS_TOO_LARGE', `The request line and headers are larger than the ${maxHeaderSize} bytes the server reads`)
      : new ConduitError('INVALID_REQUEST', 'The request is not valid HTTP/1.1')
  const requestId = requestIdFrom(undefined)
  const { status, body } = toEnvelope(refusal, requestId)
  const text = JSON.stringify(body)
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nX-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${text}`)
  }
  socket.destroy(err)
}

async function errorsPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.decorateRequest('conduitTiming', null)
  fastify.setErrorHandler((err, request, reply) => send(request, reply, err))
  fastify.setNotFoundHandler((request, reply) => send(request, reply,
    new ConduitError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`)))
}

export default fp(errorsPlugin, { fastify: '5.x', name: 'conduit-errors' })
