// execute(connector, call, deps) → Result, in the order of SPEC §3: the caller checks and context of
// a connector call, then its one step (step.ts). Everything compiled is already compiled (registry
// load); per request this resolves secrets once and runs the step.
import { ConduitError } from '../errors.js'
import type { Connector } from '../registry/types.js'
import type { RenderContext } from '../template/types.js'
import { resolvePathParams } from './path-params.js'
import { unresolvedNames } from './debug-view.js'
import { fieldsUsing } from './fields.js'
import { resolveValues, resolveValuesCached } from './values.js'
import { ANONYMOUS_USER } from './caller-identity.js'
import { runStep } from './step.js'
import type { Call, ExecuteDeps, Result } from './types.js'

export { parseBody } from './step.js'

export async function execute (connector: Connector, call: Call, deps: ExecuteDeps): Promise<Result> {
  // 1-2. Caller checks and path parameters.
  if (connector.requiresUser && call.user === ANONYMOUS_USER) {
    throw new ConduitError('AUTHENTICATION_REQUIRED', `Connector '${connector.permalink}' needs an authenticated caller: send 'Authorization: Bearer <JWT>'`)
  }
  const pathParams = resolvePathParams(connector, call.pathParams)

  // 3. Secrets and variables, once per request, in parallel through the cache.
  const values = resolveValuesCached(connector, fieldsUsing, deps) ?? await resolveValues(connector, fieldsUsing, deps)
  if (call.debug !== undefined) {
    call.debug.variables = values.variables
    call.debug.pathParams = pathParams
    call.debug.unresolved = unresolvedNames(values)
  }
  call.timing.lap('setup')

  const context: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    pathParams,
    variables: values.variables,
    clock: deps.clock
  }
  const { result } = await runStep(connector, {
    context,
    withSecrets: { ...context, secrets: values.secrets },
    // A connector's request body sees the caller and the payload; its response template the caller.
    bodyContext: { user: call.user, tenant_id: call.tenantId, body_text: call.bodyText ?? '', body_raw: call.bodyRaw ?? null, clock: deps.clock },
    responseContext: { user: call.user, tenant_id: call.tenantId, clock: deps.clock },
    callerHeaders: call.headers,
    callerQuery: call.query,
    bodyText: call.bodyText,
    field: '',
    read: 'forward',
    permalink: connector.permalink,
    requestId: call.requestId,
    timing: call.timing
  }, deps)
  return result
}
