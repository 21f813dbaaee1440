// Decorates the app with the loaded settings (SPEC §14); every other plugin reads them from here.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../src/settings/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    conduitSettings: Settings
  }
}

export interface SettingsPluginOptions {
  settings: Settings
}

async function settingsPlugin (fastify: FastifyInstance, opts: SettingsPluginOptions): Promise<void> {
  fastify.decorate('conduitSettings', opts.settings)
}

export default fp(settingsPlugin, { fastify: '5.x', name: 'conduit-settings' })
