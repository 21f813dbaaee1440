// The loaded, validated registry (SPEC §1, §15). Everything that can be done once is done at load:
// templates compiled, secret/variable names collected, URL rules checked.
import type { AuthDefinition } from '../auth/types.js'
import type { CompiledTemplate } from '../template/types.js'
import type { RateLimitRule } from './traffic-fields.js'

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const
export type HttpMethod = typeof HTTP_METHODS[number]

export interface KeyValueRow {
  key: string
  value: CompiledTemplate
  overridable: boolean
}

export interface PathParamRow {
  key: string
  value?: string
  overridable: boolean
}

export interface Connector {
  name: string
  permalink: string
  method: HttpMethod
  url: CompiledTemplate
  headers: KeyValueRow[]
  query: KeyValueRow[]
  pathParams: PathParamRow[]
  /** Path parameter keys the URL references, in order. */
  urlPathParamKeys: string[]
  authentication: AuthDefinition
  requestBody: CompiledTemplate | null
  responseBody: CompiledTemplate | null
  responseContentType: string
  /** Per-connector override of upstream.timeoutMs. */
  timeoutMs?: number
  /** `rate_limit` (SPEC §17): own limit, false for none, absent for the settings default. */
  rateLimit?: RateLimitRule | false
  /** `cache: false` (SPEC §8): never served from or stored in the HTTP cache. */
  cache?: boolean
  /** Secret names used by header, query and auth fields (the only ones that may use them). */
  secretNames: string[]
  /** Variable names used by url, header, query and auth fields. */
  variableNames: string[]
  /** Headers or query parameters reference `user.`: anonymous callers are refused (SPEC §2.1). */
  requiresUser: boolean
  /** The definition as written (after alias normalisation), for the admin API. */
  definition: Record<string, unknown>
  /** File the definition came from. */
  source: string
  /**
   * Added by the registry: the URL's host or origin comes from get_variable(); the pipeline must
   * call checkRenderedOrigin() (src/registry/url-rules.ts) on the rendered URL.
   */
  urlHostTemplated?: boolean
  /** Added by the registry: the shape a rendered templated host must have (pass to checkRenderedOrigin). */
  urlHostPattern?: RegExp
}

export interface CompositeStep {
  name: string
  method: HttpMethod
  url: CompiledTemplate
  headers: KeyValueRow[]
  query: KeyValueRow[]
  authentication: AuthDefinition
  requestBody: CompiledTemplate | null
  responseBody: CompiledTemplate | null
  responseContentType: string
  secretNames: string[]
  variableNames: string[]
  /** Added by the registry: per-step override of upstream.timeoutMs (`timeout_ms`). */
  timeoutMs?: number
  /** Added by the registry: as Connector.urlHostTemplated. */
  urlHostTemplated?: boolean
  /** Added by the registry: as Connector.urlHostPattern. */
  urlHostPattern?: RegExp
}

export interface CompositeConnector {
  name: string
  permalink: string
  steps: CompositeStep[]
  definition: Record<string, unknown>
  source: string
  /** Added by the registry: some step's headers or query parameters reference `user.` (SPEC §2.1). */
  requiresUser?: boolean
  /** As Connector.rateLimit. */
  rateLimit?: RateLimitRule | false
  /** As Connector.cache, for every step. */
  cache?: boolean
}

export interface RegistryProblem {
  message: string
  file?: string
  /** Connector name (or `#index` when it has none). */
  connector?: string
  /** Field path, e.g. `headers[1].value`, `authentication.config.client_secret`. */
  field?: string
  line?: number
  column?: number
}

export interface Registry {
  connectors: ReadonlyMap<string, Connector>
  composites: ReadonlyMap<string, CompositeConnector>
  warnings: RegistryProblem[]
  sources: string[]
  loadedAt: number
}

export interface RegistryOptions {
  allowInsecure: boolean
  allowPrivateNetworks: boolean
}

export class RegistryError extends Error {
  readonly problems: RegistryProblem[]
  constructor (problems: RegistryProblem[]) {
    super(`Invalid registry: ${problems.length} problem(s)\n` + problems.map(formatProblem).join('\n'))
    this.name = 'RegistryError'
    this.problems = problems
  }
}

export function formatProblem (p: RegistryProblem): string {
  const where = [p.file, p.connector === undefined ? undefined : `connector '${p.connector}'`, p.field]
    .filter(x => x !== undefined).join(' › ')
  const pos = p.line === undefined ? '' : ` (line ${p.line}, column ${p.column ?? 0})`
  return `${where === '' ? '' : where + ': '}${p.message}${pos}`
}
