// oauth_client_credentials (SPEC §6): a token from the endpoint's client_credentials grant, cached
// for expires_in − 60 s under (token_url, client_id, client_secret, scope), sent as Bearer.
import type { CompiledTemplate } from '../../template/types.js'
import { DEBUG_MASK, str, type AuthStrategy } from '../strategy.js'
import { grantedToken } from '../token-request.js'
import { digest, tokenCacheKey } from '../token-cache.js'
import type { DefinitionOf } from '../types.js'

export const clientCredentials: AuthStrategy<DefinitionOf<'oauth_client_credentials'>> = {
  configKeys: ['client_id', 'client_secret', 'token_url', 'scope'],

  compile (c) {
    const clientId = c.template('client_id', true)
    const clientSecret = c.credential('client_secret')
    const endpoint = c.tokenEndpoint()
    const scope = c.template('scope', false)
    const def: DefinitionOf<'oauth_client_credentials'> = { type: 'oauth_client_credentials', client_id: clientId as CompiledTemplate, client_secret: clientSecret as CompiledTemplate, ...endpoint }
    if (scope !== undefined) def.scope = scope
    return def
  },

  async apply (def, rendered, deps) {
    const tokenUrl = str(rendered, 'token_url')
    const clientId = str(rendered, 'client_id')
    const clientSecret = str(rendered, 'client_secret')
    const scope = str(rendered, 'scope')
    const key = tokenCacheKey(['client_credentials', tokenUrl, clientId, digest(clientSecret), scope])
    return await grantedToken(deps, key, tokenUrl, def.tokenUrlVariableOrigin, async () => {
      const form: Record<string, string> = { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }
      if (scope !== '') form.scope = scope
      return form
    })
  },

  debug (def, show) {
    const config: Record<string, unknown> = { client_id: show(def.client_id), client_secret: DEBUG_MASK, token_url: show(def.token_url) }
    if (def.scope !== undefined) config.scope = show(def.scope)
    return config
  }
}
