// Interceptors around every upstream call of a step (the seam of src/pipeline/step.ts), for SPEC
// §18: the call's X-Request-ID and Conduit's User-Agent go upstream, and each call's duration and
// status are recorded for the metrics and the access log. Both sit inside the HTTP cache, so a
// hit is neither timed as upstream nor given headers, and these headers never enter a cache key.
import { performance } from 'node:perf_hooks'
import type { Outbound, StepInterceptor } from '../pipeline/step.js'
import type { ConduitMetrics } from './metrics.js'

/** Which of X-Request-ID and User-Agent the connector set itself, in one pass over the names. */
function ownIdentityHeaders (headers: Record<string, string>): { requestId: boolean, userAgent: boolean } {
  let requestId = false
  let userAgent = false
  for (const name in headers) {
    if (name.length === 12) requestId ||= name.toLowerCase() === 'x-request-id'
    else if (name.length === 10) userAgent ||= name.toLowerCase() === 'user-agent'
  }
  return { requestId, userAgent }
}

/**
 * Adds `X-Request-ID: <the call's id>` and `User-Agent: Conduit/<version>`, each unless the
 * connector set its own (APIs such as GitHub's refuse requests without a User-Agent).
 */
export function upstreamIdentity (version: string): StepInterceptor {
  const userAgent = `Conduit/${version}`
  // Not an async function: one promise less per call (this runs on every upstream request).
  return next => req => {
    const headers: Record<string, string> = { ...req.headers }
    const own = ownIdentityHeaders(headers)
    if (!own.requestId) headers['x-request-id'] = req.requestId
    if (!own.userAgent) headers['user-agent'] = userAgent
    return next({ ...req, headers } satisfies Outbound)
  }
}

/** Times each upstream call for `conduit_upstream_duration_seconds` and keeps its status for the access log. */
export function upstreamObserver (metrics: ConduitMetrics | undefined): StepInterceptor {
  // Not an async function: the call's own promise is passed on, one promise less per call.
  return next => req => {
    const started = performance.now()
    const record = (): void => { metrics?.upstream(req.permalink, (performance.now() - started) / 1000) }
    return next(req).then(res => {
      req.timing.upstreamStatus = res.status
      record()
      return res
    }, (err: unknown) => {
      record()
      throw err
    })
  }
}
