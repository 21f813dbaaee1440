// The loaded, validated registry (SPEC §1, §15). Everything that can be done once is done at load:
// templates compiled, secret/variable names collected, URL rules checked.
import type { AuthDefinition } from '../auth/types.js'
import type { CompiledTemplate } from '../template/types.js'
import type { DestinationRules } from '../upstream/destination-policy.js'
import type { UrlTarget } from '../upstream/url-template.js'
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

/**
 * One request step: the core compiled type. A connector is one step plus what the caller addresses
 * (permalink, path parameters); a composite connector is n named steps. src/pipeline/step.ts runs
 * a step; nothing else walks these fields at request time.
 */
export interface Step {
  method: HttpMethod
  url: CompiledTemplate
  headers: KeyValueRow[]
  query: KeyValueRow[]
  /** The keys of `query`: caller parameters with one of these keys never pass as unconfigured. */
  queryKeys: ReadonlySet<string>
  authentication: AuthDefinition
  requestBody: CompiledTemplate | null
  responseBody: CompiledTemplate | null
  responseContentType: string
  /** Per-step override of upstream.timeoutMs (`timeout_ms`). */
  timeoutMs?: number
  /**
   * `cache: false` (SPEC §8): never served from or stored in the HTTP cache. A composite's `cache`
   * is copied to each of its steps.
   */
  cache?: boolean
  /** Secret names used by header, query and auth fields (the only ones that may use them). */
  secretNames: string[]
  /** Variable names used by url, header, query and auth fields. */
  variableNames: string[]
  /** Where the URL may lead (destination policy, host shape, a fixed URL checked once). */
  target: UrlTarget
}

export interface Connector extends Step {
  name: string
  permalink: string
  pathParams: PathParamRow[]
  /** Path parameter keys the URL references, in order. */
  urlPathParamKeys: string[]
  /** Headers or query parameters reference `user.`: anonymous callers are refused (SPEC §2.1). */
  requiresUser: boolean
  /** The definition as written (after alias normalisation), for the admin API. */
  definition: Record<string, unknown>
  /** File the definition came from. */
  source: string
  /** `rate_limit` (SPEC §17): own limit, false for none, absent for the settings default. */
  rateLimit?: RateLimitRule | false
}

export interface CompositeStep extends Step {
  /** The slug later steps read as `steps.<name>`. */
  name: string
}

export interface CompositeConnector {
  name: string
  permalink: string
  steps: CompositeStep[]
  definition: Record<string, unknown>
  source: string
  /** Added by the registry: some step's headers or query parameters reference `user.` (SPEC §2.1). */
  requiresUser?: boolean
  /** Every step's secret names, once (resolved together before the first step). */
  secretNames: string[]
  /** Every step's variable names, once. */
  variableNames: string[]
  /** As Connector.rateLimit. */
  rateLimit?: RateLimitRule | false
  /** As Step.cache, copied to every step. */
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

/** The upstream settings the registry checks URLs with (destination-policy.ts). */
export type RegistryOptions = DestinationRules

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
