// The pipeline's contract (ARCHITECTURE: one request = one walk through src/pipeline). The route
// turns HTTP into a Call, execute() turns it into a Result, the route turns that back into HTTP.
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { TokenCache } from '../auth/token-cache.js'
import type { Settings } from '../settings/types.js'
import type { SecretResolver } from '../secrets/types.js'
import type { UserContext } from '../template/types.js'
import type { CallTiming } from './timing.js'
import type { Send } from './step.js'

export interface Call {
  /** Upper-case HTTP method of the incoming request. */
  method: string
  /** Caller query pairs, in order, repeated keys kept. */
  query: ReadonlyArray<readonly [string, string]>
  /** Caller headers, lowercase names (Node's IncomingHttpHeaders). */
  headers: Readonly<Record<string, string | string[] | undefined>>
  /** Parsed `X-Path-Params`; a key present with '' was sent empty. */
  pathParams: Readonly<Record<string, string>>
  /** Raw text of the caller's JSON payload (POST/PUT/PATCH only); undefined when none was sent. */
  bodyText?: string
  /** The payload parsed. */
  bodyRaw?: unknown
  user: UserContext
  tenantId: string | null
  requestId: string
  timing: CallTiming
  /** Test connection (SPEC §9): execute() records what the debug view needs. */
  debug?: DebugTrace
}

/** Values execute() found on its way, for the debug view of a test request. */
export interface DebugTrace {
  variables?: Record<string, string>
  pathParams?: Record<string, string>
  /** `secret:<name>` / `variable:<name>` for every name the store did not have (SPEC §22). */
  unresolved?: string[]
}

export interface Result {
  status: number
  /** Safe upstream headers plus the content type; lowercase names. */
  headers: Record<string, string>
  /** A buffer or text, or the upstream body streamed through when there is no response template. */
  body: Buffer | string | Readable
}

export interface PipelineLogger {
  warn: (obj: Record<string, unknown>, msg: string) => void
}

export interface ExecuteDeps {
  settings: Pick<Settings, 'upstream' | 'secrets'>
  resolver: SecretResolver
  dispatcher: Dispatcher
  /** Milliseconds since the epoch. */
  clock: () => number
  logger: PipelineLogger
  /** The process's OAuth token cache (shared by every connector); an upstream 401 evicts the token used. */
  tokenCache: TokenCache
  /**
   * The upstream call of every step, with the app's cross-cutting stages around it (HTTP cache,
   * metrics, tracing): `composeSend(interceptors)` of src/pipeline/step.ts. Plain undici when absent.
   */
  send?: Send
  /** Counts names that did not resolve (SPEC §4.4, §18 conduit_missing_values_total). */
  metrics?: { missingValue: (connector: string, kind: 'secret' | 'variable') => void }
}
