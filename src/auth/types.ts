// Authentication definitions (SPEC §6). The registry turns a connector's raw `authentication` object
// into an AuthDefinition with compileAuthentication() (src/auth/compile.ts); the pipeline renders
// every template of it with the request's auth-field context and hands the rendered values to
// applyAuthentication() (src/auth/apply.ts). Each type's behaviour is its strategy (strategy.ts).
import type { Dispatcher } from 'undici'
import type { CompiledTemplate } from '../template/types.js'

export type AuthType = 'none' | 'api_key' | 'oauth_client_credentials' | 'jwt' | 'oauth_jwt_bearer'

export type AuthDefinition =
  | { type: 'none' }
  | { type: 'api_key', key: CompiledTemplate, value: CompiledTemplate, in: 'header' | 'query' }
  | {
    type: 'oauth_client_credentials'
    client_id: CompiledTemplate
    client_secret: CompiledTemplate
    token_url: CompiledTemplate
    /** Load-time fact: token_url's origin is a get_variable(), so its scheme is checked after rendering. */
    tokenUrlVariableOrigin: boolean
    scope?: CompiledTemplate
  }
  | {
    type: 'jwt'
    private_key: CompiledTemplate
    algorithm: string
    claims: Record<string, CompiledTemplate>
    jwt_headers?: Record<string, CompiledTemplate>
  }
  | {
    type: 'oauth_jwt_bearer'
    client_id: CompiledTemplate
    private_key: CompiledTemplate
    token_url: CompiledTemplate
    /** As for oauth_client_credentials. */
    tokenUrlVariableOrigin: boolean
    subject: CompiledTemplate
    audience: CompiledTemplate
    token_ttl: number
    algorithm: string
    additional_claims?: Record<string, CompiledTemplate>
    jwt_headers?: Record<string, CompiledTemplate>
  }

/** Rendered values: the same shape as the definition with every template replaced by its output. */
export type RenderedAuth = Record<string, string | number | Record<string, string>>

/** What authentication adds to the outgoing request. Query pairs win over caller values. */
export interface AuthOutcome {
  headers: Record<string, string>
  query: Array<[string, string]>
  /** Key of the cached token used, so an upstream 401 can evict it. */
  tokenCacheKey?: string
}

export interface AuthDeps {
  /** The same dispatcher (with its SSRF guard) as upstream calls. */
  dispatcher: Dispatcher
  timeoutMs: number
  /** Milliseconds since the epoch. */
  clock: () => number
  /**
   * upstream.allowInsecure: lets a token_url whose origin is a variable render to plain http.
   * (A literal http token_url is checked at load.) Defaults to false.
   */
  allowInsecure?: boolean
}

export type DefinitionOf<T extends AuthType> = Extract<AuthDefinition, { type: T }>
