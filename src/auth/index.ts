// Public surface of authentication (SPEC §6): what the registry and the pipeline import.
export { compileAuthentication, AUTH_TYPES, DEFAULT_TOKEN_TTL_SECONDS } from './compile.js'
export type { AuthCompileContext, AuthCompileResult, AuthProblem } from './compile.js'
export {
  applyAuthentication, renderAuthentication, authSecretNames, authVariableNames, debugAuthentication,
  DEBUG_MASK, JWT_BEARER_GRANT
} from './apply.js'
export type { ApplyDeps, DebugRenderer } from './apply.js'
export { TokenCache, tokenCacheKey } from './token-cache.js'
export type { TokenCacheOptions, FetchedToken } from './token-cache.js'
export { JWT_ALGORITHMS, DEFAULT_JWT_ALGORITHM } from './algorithms.js'
export type * from './types.js'
