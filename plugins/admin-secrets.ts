// Admin API for secrets and variables (SPEC §12): list, create, replace, delete. Secret values go
// in and never come out: listings and write answers show the masked form only. Every write
// invalidates this process's cache at once and registers the value with the log redactor.
//
// Authentication: the routes run behind `fastify.requireAdmin` (plugins/admin-auth.ts). When the
// app has not registered conduit-admin-auth (or conduit-errors, which maps every error to the
// envelope), this plugin registers it.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { ConduitError, isConduitError } from '../src/errors.js'
import { maskSecret } from '../src/secrets/mask.js'
import { scrub } from '../src/secrets/redact.js'
import type { EntryKind, SecretResolver, SecretStore } from '../src/secrets/types.js'
import adminAuth from './admin-auth.js'
import errorsPlugin from './errors.js'

export interface AdminSecretsOptions {
  store: SecretStore
  resolver: SecretResolver
  adminToken: string
}

function invalid (detail: string): ConduitError {
  return new ConduitError('INVALID_REQUEST', detail)
}

function bodyObject (body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The request body must be a JSON object')
  return body as Record<string, unknown>
}

function stringField (body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (value === undefined) throw invalid(`Missing field '${field}'`)
  if (typeof value !== 'string') throw invalid(`Field '${field}' must be a string`)
  return value
}

const adminSecrets: FastifyPluginAsync<AdminSecretsOptions> = async (fastify, options) => {
  const { store, resolver } = options
  if (!fastify.hasDecorator('requireAdmin')) await fastify.register(adminAuth, { token: options.adminToken })

  if (!fastify.hasPlugin('conduit-errors')) await fastify.register(errorsPlugin)

  /**
   * Store failures may quote Vault: their details are scrubbed by value, like log lines, and by the
   * value a failed write tried to store (scrubbed from that error, never learnt).
   */
  const fromStore = async <T>(work: () => Promise<T>, attempted?: string): Promise<T> => {
    try {
      return await work()
    } catch (err) {
      if (isConduitError(err) && err.code === 'SECRET_STORE_UNAVAILABLE') {
        const known = resolver.knownSecretValues()
        throw new ConduitError(err.code, scrub(err.message, attempted === undefined ? known : [...known, attempted]), { cause: err })
      }
      throw err
    }
  }

  await fastify.register(async (admin: FastifyInstance) => {
    admin.addHook('onRequest', admin.requireAdmin)

    const routes = (kind: EntryKind, base: string): void => {
      const shown = kind === 'secret' ? maskSecret : (value: string) => value
      const remember = (value: string): void => {
        if (kind === 'secret') resolver.rememberSecretValue?.(value)
      }

      admin.get(base, async () => {
        const entries = await fromStore(async () => await store.list(kind))
        return entries.map(e => ({ name: e.name, value: shown(e.value) }))
      })

      admin.post(base, async (request, reply) => {
        const body = bodyObject(request.body)
        const name = stringField(body, 'name')
        const value = stringField(body, 'value')
        // Learnt only once stored: a rejected value (an empty or one-letter try) is no secret, and
        // redacting by it would mangle every later log line. Store errors never quote the value.
        await fromStore(async () => { await store.create(kind, name, value) }, kind === 'secret' ? value : undefined)
        remember(value)
        resolver.invalidate(kind, name)
        return await reply.code(201).send({ name, value: shown(value) })
      })

      admin.put<{ Params: { name: string } }>(`${base}/:name`, async request => {
        const { name } = request.params
        const value = stringField(bodyObject(request.body), 'value')
        await fromStore(async () => { await store.update(kind, name, value) }, kind === 'secret' ? value : undefined)
        remember(value)
        resolver.invalidate(kind, name)
        return { name, value: shown(value) }
      })

      admin.delete<{ Params: { name: string } }>(`${base}/:name`, async (request, reply) => {
        const { name } = request.params
        await fromStore(async () => { await store.delete(kind, name) })
        resolver.invalidate(kind, name)
        return await reply.code(204).send()
      })
    }

    routes('secret', '/admin/secrets')
    routes('variable', '/admin/variables')
  })
}

export default fp(adminSecrets, { fastify: '5.x', name: 'conduit-admin-secrets' })
