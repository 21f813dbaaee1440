// jwt (SPEC §6): a fresh JWT signed per request with the configured key and algorithm, sent as Bearer.
import type { CompiledTemplate } from '../../template/types.js'
import { signJwt, toClaims } from '../jwt.js'
import { bearer, DEBUG_MASK, obj, str, type AuthStrategy } from '../strategy.js'
import type { DefinitionOf } from '../types.js'

export const jwt: AuthStrategy<DefinitionOf<'jwt'>> = {
  configKeys: ['private_key', 'algorithm', 'claims', 'jwt_headers'],

  compile (c) {
    const privateKey = c.credential('private_key')
    const algorithm = c.algorithm()
    const claims = c.templateObject('claims', true, true) ?? {}
    const headers = c.jwtHeaders()
    return {
      type: 'jwt',
      private_key: privateKey as CompiledTemplate,
      algorithm,
      claims,
      ...(headers === undefined ? {} : { jwt_headers: headers })
    }
  },

  async apply (def, rendered, deps) {
    const token = await signJwt({
      algorithm: def.algorithm,
      key: str(rendered, 'private_key'),
      claims: toClaims(obj(rendered, 'claims') ?? {}),
      headers: obj(rendered, 'jwt_headers')
    }, deps.signingKeys)
    return { headers: bearer(token), query: [] }
  },

  debug (def, show) {
    const config: Record<string, unknown> = { private_key: DEBUG_MASK, algorithm: def.algorithm, claims: DEBUG_MASK }
    if (def.jwt_headers !== undefined) config.jwt_headers = showAll(def.jwt_headers, show)
    return config
  }
}

/** JWT header templates as shown in the debug view. */
export function showAll (templates: Record<string, CompiledTemplate>, show: (t: CompiledTemplate) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, show(t)]))
}
