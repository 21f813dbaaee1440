// Admin API for secrets and variables (SPEC §12): list, create, replace, delete. Secret values go
// in and never come out: listings and write answers show the masked form only. Every write
// invalidates this process's cache at once and registers the value with the log redactor.
//
// Authentication: the routes run behind `fastify.requireAdmin` (plugins/admin-auth.ts). When the
// app has not registered conduit-admin-auth, this plugin registers it with `adminToken`.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ConduitError, isConduitError, toEnvelope } from '../src/errors.js'
import { maskSecret } from '../src/secrets/mask.js'
import { scrub } from '../src/secrets/redact.js'
import type { EntryKind, SecretResolver, SecretStore } from '../src/secrets/types.js'
import adminAuth from './admin-auth.js'

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

/** Fastify's own request errors, mapped without ever quoting the body (a JSON syntax message can). */
function fromFastify (err: FastifyError): ConduitError {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ConduitError('PAYLOAD_TOO_LARGE', 'The request body is too large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ConduitError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send application/json')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return invalid("The request body is empty but Content-Type is 'application/json'")
  }
  if (err.statusCode === 413) return new ConduitError('PAYLOAD_TOO_LARGE', 'The request body is too large')
  if (err.statusCode === 415) return new ConduitError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type: send application/json')
  if (err.name === 'SyntaxError' || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return invalid('The request body is not valid JSON')
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return invalid('Invalid request')
  return new ConduitError('INTERNAL_ERROR', 'Unexpected error')
}

const adminSecrets: FastifyPluginAsync<AdminSecretsOptions> = async (fastify, options) => {
  const { store, resolver } = options
  if (!fastify.hasDecorator('requireAdmin')) await fastify.register(adminAuth, { token: options.adminToken })

  const known = (): Iterable<string> => resolver.knownSecretValues()
  // The value a failed write tried to store: scrubbed from that request's error, never learnt.
  const attempted = new WeakMap<FastifyRequest, string>()

  await fastify.register(async (admin: FastifyInstance) => {
    admin.addHook('onRequest', admin.requireAdmin)

    admin.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      let mapped: ConduitError
      if (isConduitError(err)) {
        // Store details may quote Vault; they are scrubbed by value like log lines.
        const value = attempted.get(request)
        const values = value === undefined ? known() : [...known(), value]
        mapped = err.code === 'SECRET_STORE_UNAVAILABLE' ? new ConduitError(err.code, scrub(err.message, values)) : err
      } else {
        mapped = fromFastify(err)
        if (mapped.code === 'INTERNAL_ERROR') request.log.error({ err }, 'admin secrets: unexpected error')
      }
      const { status, body } = toEnvelope(mapped.code === 'INTERNAL_ERROR' ? err : mapped, request.id)
      return await reply.code(status).type('application/json; charset=utf-8').send(body)
    })

    const routes = (kind: EntryKind, base: string): void => {
      const shown = kind === 'secret' ? maskSecret : (value: string) => value
      const remember = (value: string): void => {
        if (kind === 'secret') resolver.rememberSecretValue?.(value)
      }

      admin.get(base, async () => {
        const entries = await store.list(kind)
        return entries.map(e => ({ name: e.name, value: shown(e.value) }))
      })

      admin.post(base, async (request, reply) => {
        const body = bodyObject(request.body)
        const name = stringField(body, 'name')
        const value = stringField(body, 'value')
        if (kind === 'secret') attempted.set(request, value)
        // Learnt only once stored: a rejected value (an empty or one-letter try) is no secret, and
        // redacting by it would mangle every later log line. Store errors never quote the value.
        await store.create(kind, name, value)
        remember(value)
        resolver.invalidate(kind, name)
        return await reply.code(201).send({ name, value: shown(value) })
      })

      admin.put<{ Params: { name: string } }>(`${base}/:name`, async request => {
        const { name } = request.params
        const value = stringField(bodyObject(request.body), 'value')
        if (kind === 'secret') attempted.set(request, value)
        await store.update(kind, name, value)
        remember(value)
        resolver.invalidate(kind, name)
        return { name, value: shown(value) }
      })

      admin.delete<{ Params: { name: string } }>(`${base}/:name`, async (request, reply) => {
        const { name } = request.params
        await store.delete(kind, name)
        resolver.invalidate(kind, name)
        return await reply.code(204).send()
      })
    }

    routes('secret', '/admin/secrets')
    routes('variable', '/admin/variables')
  })
}

export default fp(adminSecrets, { fastify: '5.x', name: 'conduit-admin-secrets' })
