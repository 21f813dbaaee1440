// Admin connector routes (SPEC §9, §12), behind the admin token: list and show definitions,
// validate JSON text, reload the registry, and test connection with X-Debug-Request.
import type { FastifyInstance } from 'fastify'
import { ConduitError } from '../src/errors.js'
import { validateRegistryText } from '../src/registry/load.js'
import { formatProblem } from '../src/registry/types.js'
import type { CompositeConnector, Connector, RegistryOptions, RegistryProblem } from '../src/registry/types.js'
import type { UserContext } from '../src/template/types.js'
import { execute } from '../src/pipeline/execute.js'
import { executeComposite } from '../src/pipeline/composite.js'
import { buildCompositeDebugView, buildDebugView, debugHeader, withUnresolved } from '../src/pipeline/debug-view.js'
import type { CompositeDebugView, DebugView } from '../src/pipeline/debug-view.js'
import { ANONYMOUS_USER } from '../src/pipeline/caller-identity.js'
import { CallTiming } from '../src/pipeline/timing.js'
import type { Call, ExecuteDeps, Result } from '../src/pipeline/types.js'
import { lookupConnector, sendResult } from './execute-routes.js'

export interface AdminConnectorsOptions {
  deps: ExecuteDeps
  registryOptions: RegistryOptions
  /** tenant_id of test calls that give no user (callers.tenantId). */
  tenantId?: string
}

interface TestBody {
  connector?: unknown
  queryParams?: unknown
  headers?: unknown
  pathParams?: unknown
  payload?: unknown
  user?: unknown
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function problemJson (p: RegistryProblem): Record<string, unknown> {
  return { ...p, text: formatProblem(p) }
}

function stringMap (v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {}
  if (!isObject(v)) throw new ConduitError('INVALID_REQUEST', `${field} must be an object of strings`)
  const out: Record<string, string> = {}
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string') out[k] = value
    else if (typeof value === 'number' || typeof value === 'boolean') out[k] = String(value)
    else throw new ConduitError('INVALID_REQUEST', `${field}.${k} must be a string`)
  }
  return out
}

function testUser (v: unknown): UserContext {
  if (v === undefined || v === null) return ANONYMOUS_USER
  if (!isObject(v)) throw new ConduitError('INVALID_REQUEST', 'user must be an object')
  const s = (x: unknown): string | null => typeof x === 'string' ? x : typeof x === 'number' ? String(x) : null
  return {
    id: s(v.id),
    email: s(v.email),
    first_name: s(v.first_name),
    last_name: s(v.last_name),
    username: s(v.username),
    profile_fields: isObject(v.profile_fields) ? v.profile_fields : null
  }
}

type TestTarget = { kind: 'connector', connector: Connector } | { kind: 'composite', composite: CompositeConnector }

/** What a test request runs: a saved permalink (connector or composite), or an unsaved definition validated now. */
function testTarget (fastify: FastifyInstance, value: unknown, options: RegistryOptions): TestTarget {
  if (typeof value === 'string') {
    const composite = fastify.connectorRegistry.current?.connectors.has(value) === true ? undefined : fastify.connectorRegistry.current?.composites.get(value)
    return composite !== undefined ? { kind: 'composite', composite } : { kind: 'connector', connector: lookupConnector(fastify, value) }
  }
  if (!isObject(value)) {
    throw new ConduitError('INVALID_REQUEST', "connector must be a connector or composite definition object, or a saved connector's permalink")
  }
  const checked = validateRegistryText(JSON.stringify(value), options, 'connector')
  if (checked.errors.length > 0) {
    throw new ConduitError('INVALID_CONNECTOR', checked.errors.map(formatProblem).join('; '), { params: checked.errors.map(problemJson) })
  }
  if (checked.connectors.length + checked.composites.length !== 1) {
    throw new ConduitError('INVALID_REQUEST', 'connector must be exactly one connector or composite definition')
  }
  const connector = checked.connectors[0]
  return connector !== undefined ? { kind: 'connector', connector } : { kind: 'composite', composite: checked.composites[0] }
}

/** The X-Debug-Request view of a test call, with the names the store did not have. */
async function debugView (target: TestTarget, call: Call, deps: ExecuteDeps): Promise<DebugView | CompositeDebugView> {
  if (target.kind === 'connector') {
    return await withUnresolved(buildDebugView(target.connector, call, deps.clock), call, target.connector, deps.resolver)
  }
  const steps = target.composite.steps
  return await withUnresolved(buildCompositeDebugView(target.composite, call, deps.clock), call, {
    secretNames: [...new Set(steps.flatMap(s => s.secretNames))],
    variableNames: [...new Set(steps.flatMap(s => s.variableNames))]
  }, deps.resolver)
}

async function adminConnectors (fastify: FastifyInstance, opts: AdminConnectorsOptions): Promise<void> {
  const { registryOptions } = opts
  fastify.addHook('onRequest', fastify.requireAdmin)

  fastify.get('/admin/connectors', async () => {
    const registry = fastify.connectorRegistry.current
    const connectors = registry === undefined ? [] : [...registry.connectors.values()]
    const composites = registry === undefined ? [] : [...registry.composites.values()]
    return {
      connectors: connectors.map(c => ({ permalink: c.permalink, name: c.name, method: c.method, source: c.source, definition: c.definition })),
      composite_connectors: composites.map(c => ({ permalink: c.permalink, name: c.name, source: c.source, definition: c.definition })),
      warnings: (registry?.warnings ?? []).map(problemJson),
      loaded_at: registry === undefined ? null : new Date(registry.loadedAt).toISOString()
    }
  })

  // A connector, else a composite connector of that permalink (SPEC §12: the definition and its source).
  fastify.get<{ Params: { permalink: string } }>('/admin/connectors/:permalink', async (request) => {
    const permalink = request.params.permalink
    const composite = fastify.connectorRegistry.current?.connectors.has(permalink) === true
      ? undefined
      : fastify.connectorRegistry.current?.composites.get(permalink)
    if (composite !== undefined) {
      return { permalink: composite.permalink, name: composite.name, composite: true, source: composite.source, definition: composite.definition }
    }
    const connector = lookupConnector(fastify, permalink)
    return { permalink: connector.permalink, name: connector.name, method: connector.method, source: connector.source, definition: connector.definition }
  })

  fastify.post('/admin/registry/reload', async (_request, reply) => {
    const result = await fastify.connectorRegistry.reload()
    if (!result.ok) {
      return await reply.code(422).send({
        success: false,
        errors: {
          code: 'INVALID_CONNECTOR',
          detail: 'The registry was not reloaded; the previous one stays in service',
          scope: 'Configuration (connector definition)',
          params: result.problems.map(problemJson)
        },
        request_id: _request.id
      })
    }
    return {
      success: true,
      connectors: result.registry.connectors.size,
      composite_connectors: result.registry.composites.size,
      warnings: result.registry.warnings.map(problemJson)
    }
  })

  // Validation reads the body as text so JSON syntax errors come back with line and column.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
    scope.post('/admin/connectors/validate', async (request) => {
      const text = typeof request.body === 'string' ? request.body : ''
      if (text.trim() === '') throw new ConduitError('INVALID_REQUEST', 'Send a connector or a registry as JSON text in the request body')
      const result = validateRegistryText(text, registryOptions, 'request body')
      return {
        valid: result.errors.length === 0,
        errors: result.errors.map(problemJson),
        warnings: result.warnings.map(problemJson)
      }
    })
  })

  fastify.post<{ Body: TestBody }>('/admin/connectors/test', async (request, reply) => {
    const timing = new CallTiming()
    request.conduitTiming = timing
    const outcome = await runConnectorTest(fastify, request.body, request.id, timing, opts)
    reply.header('x-debug-request', debugHeader(outcome.debug))
    if (!outcome.ok) throw outcome.error
    return sendResult(reply, request, outcome.result, timing)
  })
}

export type TestOutcome =
  | { ok: true, result: Result, debug: DebugView | CompositeDebugView }
  | { ok: false, error: unknown, debug: DebugView | CompositeDebugView }

/**
 * Test connection (SPEC §9) for the admin API and the Studio: runs the pipeline on a saved or
 * unsaved definition (connector or composite) and returns the result or the error, each with its
 * debug view. Invalid test input is thrown.
 */
export async function runConnectorTest (fastify: FastifyInstance, body: unknown, requestId: string, timing: CallTiming, opts: AdminConnectorsOptions): Promise<TestOutcome> {
  const { deps, registryOptions } = opts
  if (!isObject(body)) throw new ConduitError('INVALID_REQUEST', 'The request body must be a JSON object with a connector')
  const target = testTarget(fastify, body.connector, registryOptions)
  const user = testUser(body.user)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(stringMap(body.headers, 'headers'))) headers[k.toLowerCase()] = v
  if (target.kind === 'composite' && body.pathParams !== undefined && body.pathParams !== null) {
    throw new ConduitError('INVALID_REQUEST', 'Composite connectors take no path parameters')
  }
  const call: Call = {
    method: target.kind === 'connector' ? target.connector.method : 'POST',
    query: Object.entries(stringMap(body.queryParams, 'queryParams')),
    headers,
    pathParams: stringMap(body.pathParams, 'pathParams'),
    bodyText: body.payload === undefined ? undefined : JSON.stringify(body.payload),
    bodyRaw: body.payload,
    user,
    tenantId: typeof (body.user as { tenant_id?: unknown } | undefined)?.tenant_id === 'string'
      ? (body.user as { tenant_id: string }).tenant_id
      : opts.tenantId ?? null,
    requestId,
    timing,
    debug: {}
  }
  try {
    const result = target.kind === 'connector'
      ? await execute(target.connector, call, deps)
      : await executeComposite(target.composite, call, deps)
    return { ok: true, result, debug: await debugView(target, call, deps) }
  } catch (error) {
    return { ok: false, error, debug: await debugView(target, call, deps) }
  }
}

export default adminConnectors
