// Composite connectors (SPEC §15): steps run in order, each sees the earlier steps' responses as
// `steps.<name>` and the caller's request as `request.*`; the caller receives the last step's
// response. Failures name the step and its index in the scope.
import { performance } from 'node:perf_hooks'
import { ConduitError, isConduitError } from '../errors.js'
import type { CompositeConnector, CompositeStep } from '../registry/types.js'
import type { HttpExchange, RenderContext } from '../template/types.js'
import { compositeFieldsUsing } from './fields.js'
import { resolveValues } from './values.js'
import { unresolvedNames } from './debug-view.js'
import { ANONYMOUS_USER } from './caller-identity.js'
import { runStep } from './step.js'
import type { Call, ExecuteDeps, Result } from './types.js'

const NETWORK_CODES = new Set(['UPSTREAM_TIMEOUT', 'UPSTREAM_UNREACHABLE', 'UPSTREAM_RESPONSE_TOO_LARGE', 'DESTINATION_NOT_ALLOWED'])

function stepScope (step: CompositeStep, index: number, what: string): string {
  return `Composite step '${step.name}' (index ${index}): ${what}`
}

/** Re-scopes an error raised inside a step so the caller knows which step failed and how. */
function inStep (err: unknown, step: CompositeStep, index: number): unknown {
  if (!isConduitError(err)) return err
  let what: string
  if (err.code === 'TEMPLATE_RENDER_ERROR' || err.code === 'RESPONSE_TEMPLATE_RENDER_ERROR') what = 'Configuration (template rendering)'
  else if (NETWORK_CODES.has(err.code)) what = 'Downstream (network/external service)'
  else what = err.scope ?? err.code
  return new ConduitError(err.code, err.message, { scope: stepScope(step, index, what), params: err.params })
}

function flatHeaders (headers: Call['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || k === 'authorization' || k === 'cookie') continue
    out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

export async function executeComposite (composite: CompositeConnector, call: Call, deps: ExecuteDeps): Promise<Result> {
  const timing = call.timing
  if (composite.requiresUser === true && call.user === ANONYMOUS_USER) {
    throw new ConduitError('AUTHENTICATION_REQUIRED', `Composite connector '${composite.permalink}' needs an authenticated caller: send 'Authorization: Bearer <JWT>'`)
  }
  const values = await resolveValues(composite, compositeFieldsUsing, deps)
  if (call.debug !== undefined) call.debug.unresolved = unresolvedNames(values)
  timing.lap('setup')

  const steps: Record<string, HttpExchange> = {}
  const base: RenderContext = {
    user: call.user,
    tenant_id: call.tenantId,
    variables: values.variables,
    clock: deps.clock,
    steps,
    request: {
      body_text: call.bodyText ?? '',
      body_raw: call.bodyRaw ?? null,
      headers: flatHeaders(call.headers),
      query_parameters: Object.fromEntries(call.query)
    }
  }
  const withSecrets: RenderContext = { ...base, secrets: values.secrets }
  let last: Result | undefined

  for (let i = 0; i < composite.steps.length; i++) {
    const step = composite.steps[i]
    const started = performance.now()
    try {
      const ran = await runStep(step, {
        context: base,
        withSecrets,
        bodyContext: base,
        responseContext: base,
        callerHeaders: call.headers,
        // Only configured rows are sent; an overridable one takes the caller's value.
        callerQuery: call.query.filter(q => step.queryKeys.has(q[0])),
        bodyText: call.bodyText,
        field: `steps[${i}].`,
        read: 'whole',
        permalink: composite.permalink,
        requestId: call.requestId,
        timing
      }, deps)
      last = ran.result
      steps[step.name] = ran.exchange as HttpExchange
    } catch (err) {
      throw inStep(err, step, i)
    } finally {
      timing.steps.push({ name: step.name, ms: performance.now() - started })
    }
    if (last.status >= 400) {
      throw new ConduitError('COMPOSITE_STEP_FAILED', `Step '${step.name}' answered HTTP ${last.status}`, {
        scope: stepScope(step, i, 'Downstream (HTTP error)'),
        params: { step: step.name, index: i, status: last.status }
      })
    }
  }
  return last as Result
}
