// Decorates the app with the registry holder (SPEC §1). Requests read `holder.current` once and keep
// that registry to the end, so a reload never changes a request half-way.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { RegistryHolder } from '../src/registry/watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    connectorRegistry: RegistryHolder
  }
}

export interface RegistryPluginOptions {
  holder: RegistryHolder
}

async function registryPlugin (fastify: FastifyInstance, opts: RegistryPluginOptions): Promise<void> {
  fastify.decorate('connectorRegistry', opts.holder)
}

export default fp(registryPlugin, { fastify: '5.x', name: 'conduit-registry' })
