// The X-Debug-Request view of SPEC §9, built without secret access: the render context has no
// secrets at all, a field that uses get_secret shows its template text, credential fields of the
// authentication are masked by the auth module, and long values are cut with a marker.
import type { CompositeConnector, Connector } from '../registry/types.js'
import type { ResolvedValues, SecretResolver } from '../secrets/types.js'
import { debugAuthentication } from '../auth/apply.js'
import type { CompiledTemplate, RenderContext } from '../template/types.js'
import { resolvePathParams } from './path-params.js'
import { asciiJson } from './timing.js'
import type { Call } from './types.js'

export const DEBUG_VALUE_MAX = 8 * 1024
export const TRUNCATED_MARKER = '…[truncated]'

export interface DebugView {
  url: string
  method: string
  headers: Record<string, string>
  query_parameters: Record<string, string>
  authentication: unknown
  request_body: string
  response_body: string
  response_content_type: string
  /** SPEC §22: `secret:<name>` and `variable:<name>` for names the store lacks (names only, never a value). */
  unresolved?: string[]
}

export interface CompositeDebugView {
  composite: string
  steps: Array<DebugView & { name: string }>
  unresolved?: string[]
}

function cut (value: string): string {
  return value.length > DEBUG_VALUE_MAX ? value.slice(0, DEBUG_VALUE_MAX) + TRUNCATED_MARKER : value
}

/** Secret-using fields show their source; others their output, or their source when they fail. */
function show (t: CompiledTemplate, context: RenderContext): string {
  if (t.secretNames.length > 0 || t.isStatic) return t.source
  try {
    return t.render(context)
  } catch {
    return t.source
  }
}

function first (v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v
}

export function buildDebugView (connector: Connector, call: Call, clock: () => number, extra: Partial<RenderContext> = {}): DebugView {
  const trace = call.debug ?? {}
  let pathParams = trace.pathParams
  if (pathParams === undefined) {
    try {
      pathParams = resolvePathParams(connector, call.pathParams)
    } catch {
      pathParams = undefined
    }
  }
  const context: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    pathParams: pathParams ?? {},
    variables: trace.variables ?? {},
    clock,
    ...extra
  }
  const url = pathParams === undefined && connector.urlPathParamKeys.length > 0
    ? connector.url.source
    : show(connector.url, context)

  const headers: Record<string, string> = {}
  for (const row of connector.headers) {
    const given = row.overridable ? first(call.headers[row.key.toLowerCase()]) : undefined
    headers[row.key] = cut(given ?? show(row.value, context))
  }
  const query: Record<string, string> = {}
  for (const row of connector.query) {
    const given = row.overridable ? call.query.find(p => p[0] === row.key)?.[1] : undefined
    query[row.key] = cut(given ?? show(row.value, context))
  }
  for (const [k, v] of call.query) {
    if (!Object.hasOwn(query, k)) query[k] = cut(v)
  }

  let requestBody = ''
  if (connector.requestBody !== null) {
    requestBody = show(connector.requestBody, { ...context, body_text: call.bodyText ?? '', body_raw: call.bodyRaw ?? null })
  } else if (call.bodyText !== undefined) {
    requestBody = call.bodyText
  }

  return {
    url: cut(url),
    method: connector.method,
    headers,
    query_parameters: query,
    authentication: debugAuthentication(connector.authentication, context),
    request_body: cut(requestBody),
    response_body: cut(connector.responseBody?.source ?? ''),
    response_content_type: connector.responseContentType
  }
}

/** The `unresolved` list of the debug view from what the store answered. */
export function unresolvedNames (values: Pick<ResolvedValues, 'missingSecrets' | 'missingVariables'>): string[] {
  return [...values.missingSecrets.map(n => `secret:${n}`), ...values.missingVariables.map(n => `variable:${n}`)]
}

/**
 * Adds `unresolved` to a debug view: what the run recorded, or — when the run stopped before it
 * resolved anything, or failed because of a missing name (`secrets.onMissing: fail`) — what the
 * store's cache answers for the same names now.
 */
export async function withUnresolved<V extends DebugView | CompositeDebugView> (
  view: V, call: Call, owner: { secretNames: readonly string[], variableNames: readonly string[] }, resolver: SecretResolver
): Promise<V> {
  let unresolved = call.debug?.unresolved
  if (unresolved === undefined) {
    try {
      unresolved = unresolvedNames(await resolver.resolve(owner.secretNames, owner.variableNames))
    } catch {
      unresolved = []
    }
  }
  return { ...view, unresolved }
}

/** The debug view of a composite: one connector-shaped view per step (step templates that read
 * earlier steps show their source, since the view is built without running them). */
export function buildCompositeDebugView (composite: CompositeConnector, call: Call, clock: () => number): CompositeDebugView {
  const request = {
    body_text: call.bodyText ?? '',
    body_raw: call.bodyRaw ?? null,
    headers: {},
    query_parameters: Object.fromEntries(call.query)
  }
  return {
    composite: composite.permalink,
    steps: composite.steps.map(step => ({
      name: step.name,
      ...buildDebugView({ ...step, pathParams: [], urlPathParamKeys: [] } as unknown as Connector, { ...call, pathParams: {} }, clock, { request })
    }))
  }
}

/** Clients refuse responses whose headers together pass 16 KiB (Node's default): stay under half. */
export const DEBUG_HEADER_BUDGET = 8 * 1024
const SHORTEST_CUT = 64

/**
 * The header value: JSON, ASCII only, at most DEBUG_HEADER_BUDGET characters when it can be —
 * the longest strings are halved (with the marker) until it fits, so the value stays valid JSON.
 */
export function debugHeader (view: DebugView | CompositeDebugView): string {
  let text = asciiJson(view)
  if (text.length <= DEBUG_HEADER_BUDGET) return text
  const copy = structuredClone(view) as unknown as Record<string, unknown>
  const leaves: Array<{ holder: Record<string, unknown>, key: string }> = []
  const collect = (obj: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'string') leaves.push({ holder: obj, key: k })
      else if (typeof v === 'object' && v !== null) collect(v as Record<string, unknown>)
    }
  }
  collect(copy)
  while (text.length > DEBUG_HEADER_BUDGET) {
    let longest: { holder: Record<string, unknown>, key: string } | undefined
    let size = SHORTEST_CUT
    for (const leaf of leaves) {
      const len = (leaf.holder[leaf.key] as string).length
      if (len > size) { size = len; longest = leaf }
    }
    if (longest === undefined) break
    const value = longest.holder[longest.key] as string
    const base = value.endsWith(TRUNCATED_MARKER) ? value.slice(0, -TRUNCATED_MARKER.length) : value
    longest.holder[longest.key] = base.slice(0, Math.max(SHORTEST_CUT, Math.floor(base.length / 2))) + TRUNCATED_MARKER
    text = asciiJson(copy)
  }
  return text
}
