// The stages `conduit serve` puts around every upstream call that change what is sent or answered
// (plugins/traffic.ts): the HTTP cache when settings.cache.enabled (in memory: a test gateway is one
// process), and the X-Request-ID / User-Agent headers. Metrics and tracing only observe, so they
// are left out.
import type { Settings } from '../settings/types.js'
import { composeSend } from '../pipeline/step.js'
import type { Send, StepInterceptor } from '../pipeline/step.js'
import { httpCacheInterceptor } from '../upstream/http-cache.js'
import { createMemoryCacheStore } from '../upstream/http-cache-stores.js'
import { upstreamIdentity } from '../observability/upstream-interceptors.js'
import { CONDUIT_VERSION } from '../observability/version.js'

export function servedSend (settings: Pick<Settings, 'cache'>): Send {
  const interceptors: StepInterceptor[] = []
  if (settings.cache.enabled) {
    const bounds = { maxBytes: settings.cache.maxBytes, maxEntryBytes: settings.cache.maxEntryBytes }
    interceptors.push(httpCacheInterceptor({ store: createMemoryCacheStore(bounds), storeIsPrivate: true, maxEntryBytes: settings.cache.maxEntryBytes }))
  }
  interceptors.push(upstreamIdentity(CONDUIT_VERSION))
  return composeSend(interceptors)
}
