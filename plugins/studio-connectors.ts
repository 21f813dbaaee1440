// Studio connector pages (SPEC §20): the list of connectors and composites with their source
// files and the banner of a failed reload; the editor (its form and Code view live in
// static/editor.js) and its JSON endpoints: Validate, Test connection (runConnectorTest, the
// function behind POST /admin/connectors/test) and Save (atomic write of the registry file, then
// reload). Everything shown that came from an upstream is scrubbed of known secret values.
import { relative, dirname } from 'node:path'
import { statSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { ConduitError, isConduitError, toEnvelope } from '../src/errors.js'
import { validateRegistryText } from '../src/registry/load.js'
import { formatProblem } from '../src/registry/types.js'
import type { CompositeConnector, Connector, RegistryProblem } from '../src/registry/types.js'
import { scrub } from '../src/secrets/redact.js'
import { registryWritability, saveDefinition } from '../src/studio/registry-file.js'
import { CallTiming } from '../src/pipeline/timing.js'
import { runConnectorTest } from './admin-connectors.js'
import type { StudioKit } from './studio.js'

/** Most of a test response body the editor shows. */
const SHOWN_BODY_BYTES = 256 * 1024

function problemJson (p: RegistryProblem): Record<string, unknown> {
  return { ...p, text: formatProblem(p) }
}

function authType (definition: Record<string, unknown>): string {
  const auth = definition.authentication as { type?: unknown } | undefined
  return typeof auth?.type === 'string' ? auth.type : 'none'
}

async function bodyText (body: Buffer | string | Readable): Promise<{ text: string, truncated: boolean }> {
  let buffer: Buffer
  if (typeof body === 'string') buffer = Buffer.from(body, 'utf8')
  else if (Buffer.isBuffer(body)) buffer = body
  else {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk)
      size += chunk.length
      if (size > SHOWN_BODY_BYTES) { (body as Readable).destroy(); break }
    }
    buffer = Buffer.concat(chunks)
  }
  return { text: buffer.subarray(0, SHOWN_BODY_BYTES).toString('utf8'), truncated: buffer.length > SHOWN_BODY_BYTES }
}

async function studioConnectors (fastify: FastifyInstance, { kit }: { kit: StudioKit }): Promise<void> {
  const { registryPath, registryOptions } = kit.options
  const holder = fastify.connectorRegistry
  let registryIsDir = false
  try { registryIsDir = statSync(registryPath).isDirectory() } catch { /* shown as the writability reason */ }
  const sourceOf = (file: string): string => {
    const rel = relative(registryIsDir ? registryPath : dirname(registryPath), file)
    return rel === '' || rel.startsWith('..') ? file : rel
  }
  const scrubbed = (text: string): string => scrub(text, kit.knownSecrets())

  fastify.get('/studio/connectors', async (_request, reply) => {
    const registry = holder.current
    const connectors = [...(registry?.connectors.values() ?? [])].map((c: Connector) => ({
      kind: 'connector',
      name: c.name,
      permalink: c.permalink,
      method: c.method,
      url: c.url.source,
      auth: authType(c.definition),
      source: sourceOf(c.source),
      href: `/studio/connectors/${encodeURIComponent(c.permalink)}`
    }))
    const composites = [...(registry?.composites.values() ?? [])].map((c: CompositeConnector) => ({
      kind: 'composite',
      name: c.name,
      permalink: c.permalink,
      method: 'POST',
      url: c.steps.map(s => `${s.name}: ${s.method} ${s.url.source}`).join('\n'),
      auth: [...new Set(c.steps.map(s => s.authentication.type))].join(', '),
      source: sourceOf(c.source),
      href: `/studio/connectors/composite/${encodeURIComponent(c.permalink)}`
    }))
    const problems = holder.lastError ?? []
    return kit.page(reply, 'connectors', {
      title: 'Connectors',
      rows: [...connectors, ...composites],
      reloadProblems: problems.map(p => scrubbed(formatProblem(p))),
      loadedAt: registry === undefined ? '' : new Date(registry.loadedAt).toISOString(),
      registryPath
    })
  })

  const editor = async (reply: Parameters<StudioKit['page']>[0], options: { definition: Record<string, unknown>, composite: boolean, replaces?: string, title: string }): Promise<unknown> => {
    const writable = await registryWritability(registryPath)
    return kit.page(reply, 'editor', {
      title: options.title,
      script: 'editor.js',
      composite: options.composite,
      replaces: options.replaces ?? '',
      definitionText: JSON.stringify(options.definition, null, 2),
      saveDisabled: writable.writable ? '' : writable.reason
    })
  }

  fastify.get<{ Querystring: { type?: string } }>('/studio/connectors/new', async (request, reply) => {
    const composite = request.query.type === 'composite'
    const definition = composite
      ? { name: '', steps: [{ name: 'first', method: 'GET', url: 'https://' }] }
      : { name: '', method: 'GET', url: 'https://' }
    return await editor(reply, { definition, composite, title: composite ? 'New composite connector' : 'New connector' })
  })

  fastify.get<{ Params: { permalink: string } }>('/studio/connectors/:permalink', async (request, reply) => {
    const connector = holder.current?.connectors.get(request.params.permalink)
    if (connector === undefined) {
      return kit.page(reply, 'message', { title: 'Connector not found', message: `No connector with permalink '${request.params.permalink.slice(0, 255)}'.` }, 404)
    }
    return await editor(reply, { definition: connector.definition, composite: false, replaces: connector.permalink, title: `Connector ${connector.name}` })
  })

  fastify.get<{ Params: { permalink: string } }>('/studio/connectors/composite/:permalink', async (request, reply) => {
    const composite = holder.current?.composites.get(request.params.permalink)
    if (composite === undefined) {
      return kit.page(reply, 'message', { title: 'Composite connector not found', message: `No composite connector with permalink '${request.params.permalink.slice(0, 255)}'.` }, 404)
    }
    return await editor(reply, { definition: composite.definition, composite: true, replaces: composite.permalink, title: `Composite connector ${composite.name}` })
  })

  fastify.post<{ Body: { text?: unknown } }>('/studio/api/validate', async (request) => {
    const text = typeof request.body?.text === 'string' ? request.body.text : ''
    const result = validateRegistryText(text, registryOptions, 'definition')
    return { valid: result.errors.length === 0, errors: result.errors.map(problemJson), warnings: result.warnings.map(problemJson) }
  })

  fastify.post('/studio/api/test', async (request, reply) => {
    const timing = new CallTiming()
    let outcome
    try {
      outcome = await runConnectorTest(fastify, request.body, request.id, timing, kit.options.test)
    } catch (err) {
      // The test input itself is wrong (an invalid definition, a bad field): say what, like Validate.
      if (isConduitError(err) && err.code === 'INVALID_CONNECTOR') {
        return await reply.code(422).send({ error: 'The definition is not valid', problems: err.params })
      }
      if (isConduitError(err)) return await reply.code(400).send({ error: scrubbed(err.message) })
      throw err
    }
    timing.end()
    const debug = outcome.debug === undefined ? null : JSON.parse(scrubbed(JSON.stringify(outcome.debug))) as unknown
    if (!outcome.ok) {
      const { status, body } = toEnvelope(outcome.error, request.id)
      if (!isConduitError(outcome.error)) request.log.error({ err: outcome.error }, 'studio test connection: unexpected error')
      return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: scrubbed(JSON.stringify(body, null, 2)), truncated: false, debug, error: true }
    }
    const { result } = outcome
    const shown = await bodyText(result.body)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(result.headers)) headers[k] = scrubbed(v)
    for (const [k, v] of Object.entries(timing.headers(request.id))) headers[k.toLowerCase()] = scrubbed(String(v))
    return { status: result.status, headers, body: scrubbed(shown.text), truncated: shown.truncated, debug, error: false }
  })

  fastify.post<{ Body: { definition?: unknown, replaces?: unknown } }>('/studio/api/save', async (request, reply) => {
    const replaces = typeof request.body?.replaces === 'string' && request.body.replaces !== '' ? request.body.replaces : undefined
    const saved = await saveDefinition(registryPath, request.body?.definition, replaces, registryOptions)
    if (!saved.ok) return await reply.code(422).send({ saved: false, problems: saved.problems.map(problemJson) })
    const reloaded = await holder.reload()
    const composite = typeof request.body?.definition === 'object' && request.body.definition !== null && 'steps' in request.body.definition
    const href = `/studio/connectors/${composite ? 'composite/' : ''}${encodeURIComponent(saved.permalink)}`
    if (!reloaded.ok) {
      return await reply.code(422).send({ saved: true, href, problems: reloaded.problems.map(problemJson), error: 'Saved, but the registry did not reload; the previous one stays in service' })
    }
    return { saved: true, href, permalink: saved.permalink }
  })

  fastify.setErrorHandler(async (err, request, reply) => {
    if (!request.url.startsWith('/studio/api/')) throw err
    const mapped = isConduitError(err) ? err : new ConduitError('INVALID_REQUEST', 'The request could not be read')
    if (!isConduitError(err) && (err as { statusCode?: number }).statusCode === undefined) request.log.error({ err }, 'studio api: unexpected error')
    return await reply.code(mapped.status >= 500 ? 500 : 400).send({ error: scrubbed(mapped.message) })
  })
}

export default studioConnectors
