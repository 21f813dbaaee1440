// Turns a connector's raw `authentication` object into an AuthDefinition (SPEC §1, §6), reporting
// every problem with a field path relative to the authentication object (`type`,
// `config.client_secret`, `config.claims.sub`). The type's strategy (table.ts) reads its config;
// all templates compile here, once, at load.
import type { AuthDefinition } from './types.js'
import { ConfigReader, describe, isPlainObject } from './config-reader.js'
import type { AuthCompileContext, AuthProblem } from './config-reader.js'
import { AUTH_TYPES, STRATEGIES } from './table.js'

export type { AuthCompileContext, AuthProblem } from './config-reader.js'
export { AUTH_TYPES } from './table.js'
export { DEFAULT_TOKEN_TTL_SECONDS } from './strategies/jwt-bearer.js'

export interface AuthCompileResult {
  definition?: AuthDefinition
  problems: AuthProblem[]
  /** Ignored input worth telling the operator about (unknown config keys, overridden claims). */
  warnings: AuthProblem[]
}

/**
 * Validates and compiles one `authentication` object. A missing object means `{ type: 'none' }`;
 * the `apikey` alias is accepted. `definition` is set only when there are no problems.
 */
export function compileAuthentication (raw: unknown, ctx: AuthCompileContext): AuthCompileResult {
  if (raw === undefined || raw === null) return { definition: { type: 'none' }, problems: [], warnings: [] }
  if (!isPlainObject(raw)) {
    return { problems: [{ field: '', message: `authentication must be an object { type, config }, not ${describe(raw)}` }], warnings: [] }
  }
  const rawType = raw.type
  if (rawType === undefined || rawType === null || rawType === '') {
    return { problems: [{ field: 'type', message: `type is required; use one of ${AUTH_TYPES.join(', ')}` }], warnings: [] }
  }
  const type = rawType === 'apikey' ? 'api_key' : rawType
  if (typeof type !== 'string' || !(AUTH_TYPES as readonly string[]).includes(type)) {
    return { problems: [{ field: 'type', message: `type ${JSON.stringify(rawType)} is not supported; use one of ${AUTH_TYPES.join(', ')}` }], warnings: [] }
  }
  if (type === 'none') return { definition: { type: 'none' }, problems: [], warnings: [] }

  const rawConfig = raw.config
  if (!isPlainObject(rawConfig)) {
    const message = rawConfig === undefined
      ? `config is required for authentication type ${type}`
      : `config must be an object, not ${describe(rawConfig)}`
    return { problems: [{ field: 'config', message }], warnings: [] }
  }
  const strategy = STRATEGIES[type as keyof typeof STRATEGIES]
  const c = new ConfigReader(ctx, rawConfig)
  c.unknownKeys(type, strategy.configKeys)
  // Every field is read even after a problem, so one load reports all of them; the definition is
  // returned only when no problem was recorded.
  const definition = strategy.compile(c)
  return c.problems.length === 0 ? { definition, problems: [], warnings: c.warnings } : { problems: c.problems, warnings: c.warnings }
}
