// Authentication type → strategy (SPEC §6). The contract every row fulfils is in strategy.ts.
import type { AuthStrategy } from './strategy.js'
import { apiKey } from './strategies/api-key.js'
import { clientCredentials } from './strategies/client-credentials.js'
import { jwt } from './strategies/jwt.js'
import { jwtBearer } from './strategies/jwt-bearer.js'
import type { AuthDefinition, AuthType } from './types.js'

type Configured = Exclude<AuthType, 'none'>

export const STRATEGIES: { readonly [T in Configured]: AuthStrategy<Extract<AuthDefinition, { type: T }>> } = {
  api_key: apiKey,
  oauth_client_credentials: clientCredentials,
  jwt,
  oauth_jwt_bearer: jwtBearer
}

/** Every type a definition may name, `none` first. */
export const AUTH_TYPES: readonly AuthType[] = ['none', ...Object.keys(STRATEGIES) as Configured[]]

/** The strategy of a configured definition. */
export function strategyOf<D extends Exclude<AuthDefinition, { type: 'none' }>> (def: D): AuthStrategy<D> {
  return STRATEGIES[def.type] as unknown as AuthStrategy<D>
}
