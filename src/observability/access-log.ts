// The access-log line of SPEC §18: one per request, facts only. It names the caller by `sub` and
// never carries an email, a token, a header value or the query string (which may hold user data).
import type { CallTiming } from '../pipeline/timing.js'

export interface AccessLogFacts {
  requestId: string
  method: string
  /** The route's path without the query string. */
  path: string
  status: number
  durationMs: number
  /** Execute requests only. */
  connector?: string
  timing?: CallTiming | null
  /** The verified caller's `sub`; null for anonymous callers. */
  callerSub?: string | null
}

function ms (n: number): number {
  return Math.round(n * 1000) / 1000
}

export function accessLogLine (facts: AccessLogFacts): Record<string, unknown> {
  const line: Record<string, unknown> = {
    request_id: facts.requestId,
    method: facts.method,
    path: facts.path,
    status: facts.status,
    duration_ms: ms(facts.durationMs)
  }
  const timing = facts.timing
  if (timing !== undefined && timing !== null) {
    line.connector = facts.connector ?? null
    line.upstream_host = timing.externalHost ?? null
    line.upstream_status = timing.upstreamStatus ?? null
    line.external_ms = ms(timing.externalMs)
    line.internal_ms = ms(Math.max(0, facts.durationMs - timing.externalMs))
    line.cache = timing.cacheResult ?? null
    line.caller = facts.callerSub ?? null
    if (timing.error !== undefined) line.error = timing.error
  }
  return line
}
