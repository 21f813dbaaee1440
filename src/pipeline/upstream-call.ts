// What every upstream call of the pipeline (a connector's or a composite step's) does around the
// send itself: time it as external, flag a timeout for the timing headers, and after a 401/403
// make the next request re-read the secrets it used and drop a token the upstream refused.
import { isConduitError } from '../errors.js'
import type { CallTiming } from './timing.js'
import type { ExecuteDeps } from './types.js'

/** The upstream call's promise, its time counted as external and a timeout flagged for the timing headers. */
export function timedUpstream<T> (timing: CallTiming, sent: Promise<T>): Promise<T> {
  return sent.then(res => {
    timing.lap('external')
    return res
  }, (err: unknown) => {
    if (isConduitError(err) && err.code === 'UPSTREAM_TIMEOUT') timing.timeout = true
    timing.lap('external')
    throw err
  })
}

export function afterUpstreamStatus (
  status: number, secretNames: readonly string[], tokenCacheKey: string | undefined, deps: ExecuteDeps
): void {
  if (status !== 401 && status !== 403) return
  if (secretNames.length > 0) deps.resolver.markStale(secretNames)
  if (status === 401 && tokenCacheKey !== undefined) deps.tokenCache.evict(tokenCacheKey)
}
