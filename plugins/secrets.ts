// Decorates the app with the secret store and its request-time cache (SPEC §5).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { SecretResolver, SecretStore } from '../src/secrets/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    secretStore: SecretStore
    secretResolver: SecretResolver
  }
}

export interface SecretsPluginOptions {
  store: SecretStore
  resolver: SecretResolver
  /** Close the store with the app (serve owns its store; tests may share one). */
  closeStore?: boolean
}

async function secretsPlugin (fastify: FastifyInstance, opts: SecretsPluginOptions): Promise<void> {
  fastify.decorate('secretStore', opts.store)
  fastify.decorate('secretResolver', opts.resolver)
  if (opts.closeStore === true) {
    fastify.addHook('onClose', async () => { await opts.store.close() })
  }
}

export default fp(secretsPlugin, { fastify: '5.x', name: 'conduit-secrets' })
