// One call through the pipeline without HTTP in front of it, as the execute routes make it: the
// connector (or composite) looked up, method and path parameters checked, caller identity, then
// execute() or executeComposite(), errors turned into the envelope of SPEC §11 and the timing
// headers of §10 added. Shared by createTestGateway, `conduit test` and `conduit contract`.
import type { Readable } from 'node:stream'
import { ConduitError, toEnvelope } from '../errors.js'
import type { CompositeConnector, Connector, Registry } from '../registry/types.js'
import { execute } from '../pipeline/execute.js'
import { executeComposite } from '../pipeline/composite.js'
import { buildCompositeDebugView, buildDebugView, withUnresolved } from '../pipeline/debug-view.js'
import type { CompositeDebugView, DebugView } from '../pipeline/debug-view.js'
import { ANONYMOUS_USER } from '../pipeline/caller-identity.js'
import type { CallerVerifier } from '../pipeline/caller-identity.js'
import { CallTiming, requestIdFrom } from '../pipeline/timing.js'
import type { Call, ExecuteDeps } from '../pipeline/types.js'
import type { UserContext } from '../template/types.js'

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

/** `user` of a test call: the fields a verified caller token would give (SPEC §2.1). */
export interface TestUser {
  id?: string | number | null
  email?: string | null
  first_name?: string | null
  last_name?: string | null
  username?: string | null
  profile_fields?: Record<string, unknown> | null
  tenant_id?: string | null
}

export interface ExecuteInput {
  permalink: string
  /** The connector's method when absent; composites are called with POST. */
  method?: string
  queryParams?: Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>
  pathParams?: Record<string, string | number>
  /** JSON value sent as the payload (POST, PUT, PATCH); a string is taken as JSON text. */
  payload?: unknown
  /** Caller headers (`authorization: Bearer <JWT>` is verified as `conduit serve` does). */
  headers?: Record<string, string>
  /** The caller as a verified token would describe it; takes precedence over a caller JWT. */
  user?: TestUser
  /** Look the permalink up among composite connectors only. */
  composite?: boolean
}

export interface TestResponse {
  status: number
  /** Lowercase names: the safe upstream headers, content type and the timing headers. */
  headers: Record<string, string>
  body: string
  json: <T = unknown>() => T
}

export interface RunContext {
  registry: () => Registry | undefined
  deps: ExecuteDeps
  callers: CallerVerifier
  /** tenant_id for a `user` without one (callers.tenantId). */
  tenantId: string | null
}

export interface RunOutcome {
  response: TestResponse
  /** The X-Debug-Request view, when asked for and the target was found. */
  debug?: DebugView | CompositeDebugView
}

function str (v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null
}

export function userFrom (user: TestUser): UserContext {
  return {
    id: str(user.id),
    email: str(user.email),
    first_name: str(user.first_name),
    last_name: str(user.last_name),
    username: str(user.username),
    profile_fields: typeof user.profile_fields === 'object' && user.profile_fields !== null ? user.profile_fields : null
  }
}

function queryPairs (params: ExecuteInput['queryParams']): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [k, v] of Object.entries(params ?? {})) {
    if (Array.isArray(v)) for (const item of v) out.push([k, String(item)])
    else out.push([k, String(v)])
  }
  return out
}

function payloadOf (payload: unknown): { bodyText?: string, bodyRaw?: unknown } {
  if (payload === undefined) return {}
  if (typeof payload === 'string') {
    try {
      return { bodyText: payload, bodyRaw: JSON.parse(payload) }
    } catch {
      throw new ConduitError('INVALID_REQUEST', 'The request body is not valid JSON')
    }
  }
  return { bodyText: JSON.stringify(payload), bodyRaw: payload }
}

function response (status: number, headers: Record<string, string>, body: string): TestResponse {
  return {
    status,
    headers,
    body,
    json<T> (): T { return JSON.parse(body) as T }
  }
}

async function text (body: Buffer | string | Readable): Promise<string> {
  if (typeof body === 'string') return body
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

type Target = { kind: 'connector', connector: Connector } | { kind: 'composite', composite: CompositeConnector }

function findTarget (registry: Registry | undefined, input: ExecuteInput): Target {
  const permalink = input.permalink
  const connector = input.composite === true ? undefined : registry?.connectors.get(permalink)
  if (connector !== undefined) return { kind: 'connector', connector }
  const composite = registry?.composites.get(permalink)
  if (composite !== undefined) return { kind: 'composite', composite }
  throw new ConduitError('CONNECTOR_NOT_FOUND', `No connector with permalink '${String(permalink).slice(0, 255)}'`)
}

/** Runs one call; never throws for what a caller could do: errors come back as the envelope. */
export async function runCall (ctx: RunContext, input: ExecuteInput, options: { debug?: boolean } = {}): Promise<RunOutcome> {
  const timing = new CallTiming()
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v
  const requestId = requestIdFrom(headers['x-request-id'])
  let target: Target | undefined
  let call: Call | undefined
  try {
    target = findTarget(ctx.registry(), input)
    const expected = target.kind === 'connector' ? target.connector.method : 'POST'
    const method = (input.method ?? expected).toUpperCase()
    if (method !== expected) {
      const name = target.kind === 'connector' ? `Connector '${target.connector.permalink}'` : `Composite connector '${target.composite.permalink}'`
      throw new ConduitError('METHOD_NOT_ALLOWED', `${name} is called with ${expected}, not ${method}`)
    }
    const pathParams: Record<string, string> = {}
    if (target.kind === 'connector') for (const [k, v] of Object.entries(input.pathParams ?? {})) pathParams[k] = String(v)
    const payload = BODY_METHODS.has(method) ? payloadOf(input.payload) : {}
    let user: UserContext
    let tenantId: string | null
    if (input.user !== undefined) {
      user = userFrom(input.user)
      tenantId = str(input.user.tenant_id) ?? ctx.tenantId
    } else {
      const identity = await ctx.callers.identify(headers.authorization)
      user = identity.user
      tenantId = identity.tenantId
    }
    call = {
      method,
      query: queryPairs(input.queryParams),
      headers,
      pathParams,
      ...payload,
      user: user ?? ANONYMOUS_USER,
      tenantId,
      requestId,
      timing,
      ...(options.debug === true ? { debug: {} } : {})
    }
    const result = target.kind === 'connector'
      ? await execute(target.connector, call, ctx.deps)
      : await executeComposite(target.composite, call, ctx.deps)
    const body = await text(result.body)
    return { response: response(result.status, { ...result.headers, ...timing.headers(requestId) }, body), debug: await debugOf(ctx, target, call, options) }
  } catch (err) {
    const { status, body } = toEnvelope(err, requestId)
    timing.error = body.errors.code
    if (!(err instanceof ConduitError)) ctx.deps.logger.warn({ err: err instanceof Error ? err.name : typeof err }, 'unexpected error')
    const out = response(status, { 'content-type': 'application/json; charset=utf-8', ...timing.headers(requestId) }, JSON.stringify(body))
    return { response: out, debug: target === undefined || call === undefined ? undefined : await debugOf(ctx, target, call, options) }
  }
}

async function debugOf (ctx: RunContext, target: Target, call: Call, options: { debug?: boolean }): Promise<RunOutcome['debug']> {
  if (options.debug !== true) return undefined
  if (target.kind === 'connector') {
    return await withUnresolved(buildDebugView(target.connector, call, ctx.deps.clock), call, target.connector, ctx.deps.resolver)
  }
  return await withUnresolved(buildCompositeDebugView(target.composite, call, ctx.deps.clock), call, {
    secretNames: [...new Set(target.composite.steps.flatMap(s => s.secretNames))],
    variableNames: [...new Set(target.composite.steps.flatMap(s => s.variableNames))]
  }, ctx.deps.resolver)
}
