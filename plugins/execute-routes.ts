// `<METHOD> /connectors/:permalink/execute` (SPEC §2): turns HTTP into a Call, runs execute(), and
// turns the Result back into HTTP with the timing headers of §10. The caller is identified before
// the handler (plugins/callers.ts), after the timing starts so a refusal carries timing headers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ConduitError } from '../src/errors.js'
import { tryParseJson as parseJson } from '../src/json.js'
import { HTTP_METHODS } from '../src/registry/types.js'
import type { Connector } from '../src/registry/types.js'
import { execute } from '../src/pipeline/execute.js'
import { executeComposite } from '../src/pipeline/composite.js'
import { parsePathParamsHeader } from '../src/pipeline/path-params.js'
import { CallTiming } from '../src/pipeline/timing.js'
import type { CallerIdentity, CallerVerifier } from '../src/callers/identity.js'
import callersPlugin from './callers.js'
import type { Call, ExecuteDeps, Result } from '../src/pipeline/types.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

export interface ExecuteRoutesOptions {
  deps: ExecuteDeps
  /** Used when the app has not registered conduit-callers itself. */
  callers: CallerVerifier
}

/** The caller's payload: kept as text, parsed only for methods that send a body. */
interface RawBody { text: string }

/** Query pairs straight from the URL, repeated keys kept in order. */
export function queryPairs (url: string): Array<[string, string]> {
  const q = url.indexOf('?')
  if (q === -1 || q === url.length - 1) return []
  const hash = url.indexOf('#', q)
  return [...new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash))]
}

export function parsePayload (raw: RawBody | undefined): { bodyText?: string, bodyRaw?: unknown } {
  if (raw === undefined || raw.text === '') return {}
  const parsed = parseJson(raw.text)
  if (!parsed.ok) {
    throw new ConduitError('INVALID_REQUEST', `The request body is not valid JSON: ${parsed.message.replace(/^invalid JSON: /, '')} (line ${parsed.line}, column ${parsed.column})`)
  }
  return { bodyText: raw.text, bodyRaw: parsed.value }
}

export function sendResult (reply: FastifyReply, request: FastifyRequest, result: Result, timing: CallTiming): FastifyReply {
  // A string would get '; charset=utf-8' appended to its content type: send the bytes as they are.
  const body = typeof result.body === 'string' ? Buffer.from(result.body, 'utf8') : result.body
  return reply.code(result.status).headers(result.headers).headers(timing.headers(request.id)).send(body)
}

export function lookupConnector (fastify: FastifyInstance, permalink: string): Connector {
  const connector = fastify.connectorRegistry.current?.connectors.get(permalink)
  if (connector === undefined) throw new ConduitError('CONNECTOR_NOT_FOUND', `No connector with permalink '${permalink.slice(0, 255)}'`)
  return connector
}

async function executeRoutes (fastify: FastifyInstance, opts: ExecuteRoutesOptions): Promise<void> {
  const { deps } = opts
  if (!fastify.hasPlugin('conduit-callers')) await fastify.register(callersPlugin, { verifier: opts.callers })

  // Any content type is taken as the JSON payload; the route decides whether it is used.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, { text: body as string } satisfies RawBody)
  })

  // One hook for both: the timing starts, then the caller is identified.
  const identifyCaller = fastify.identifyCaller
  fastify.addHook('onRequest', (request, reply, done) => {
    request.conduitTiming = new CallTiming()
    identifyCaller(request, reply, done)
  })

  // HTTP → Call: the caller identified before the handler, query and payload.
  function callFrom (request: FastifyRequest, pathParams: Call['pathParams'], payload: { bodyText?: string, bodyRaw?: unknown }): Call {
    const identity = request.caller as CallerIdentity
    return {
      method: request.method,
      query: queryPairs(request.url),
      headers: request.headers,
      pathParams,
      bodyText: payload.bodyText,
      bodyRaw: payload.bodyRaw,
      user: identity.user,
      tenantId: identity.tenantId,
      requestId: request.id,
      timing: request.conduitTiming as CallTiming
    }
  }

  fastify.route<{ Params: { permalink: string } }>({
    method: [...HTTP_METHODS],
    url: '/connectors/:permalink/execute',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const timing = request.conduitTiming as CallTiming
      const connector = lookupConnector(fastify, request.params.permalink)
      if (request.method !== connector.method) {
        throw new ConduitError('METHOD_NOT_ALLOWED', `Connector '${connector.permalink}' is called with ${connector.method}, not ${request.method}`)
      }
      const pathParams = parsePathParamsHeader(request.headers['x-path-params'])
      const payload = BODY_METHODS.has(request.method) ? parsePayload(request.body as RawBody | undefined) : {}
      const result = await execute(connector, callFrom(request, pathParams, payload), deps)
      return sendResult(reply, request, result, timing)
    }
  })

  // Composite connectors (SPEC §15): always POST, no path parameters.
  fastify.route<{ Params: { permalink: string } }>({
    method: [...HTTP_METHODS],
    url: '/connectors/composite/:permalink/execute',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const timing = request.conduitTiming as CallTiming
      const permalink = request.params.permalink
      const composite = fastify.connectorRegistry.current?.composites.get(permalink)
      if (composite === undefined) throw new ConduitError('CONNECTOR_NOT_FOUND', `No composite connector with permalink '${permalink.slice(0, 255)}'`)
      if (request.method !== 'POST') {
        throw new ConduitError('METHOD_NOT_ALLOWED', `Composite connector '${composite.permalink}' is called with POST, not ${request.method}`)
      }
      const payload = parsePayload(request.body as RawBody | undefined)
      const result = await executeComposite(composite, callFrom(request, {}, payload), deps)
      return sendResult(reply, request, result, timing)
    }
  })
}

export default executeRoutes
