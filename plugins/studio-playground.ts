// Studio Playground (SPEC §20): a template, its field kind and a JSON context in, the rendered
// output or the positioned error out, by the gateway's own template engine. Sample secrets are
// typed into the context (`"secrets": {"name": "value"}`); the secret store is never read.
import type { FastifyInstance } from 'fastify'
import { parseJson } from '../src/registry/json.js'
import { FIELD_KINDS, TemplateCompileError, TemplateRenderError, compileTemplate } from '../src/template/index.js'
import type { FieldKind, RenderContext } from '../src/template/index.js'
import type { StudioKit } from './studio.js'

const SAMPLE_CONTEXT = JSON.stringify({
  user: { id: '42', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', username: 'ada', profile_fields: null },
  tenant_id: 'acme',
  pathParams: { id: '7' },
  body_text: '{"subject": "Hello"}',
  variables: { region: 'eu' },
  secrets: { api_key: 'sample-key' }
}, null, 2)

const SAMPLE_TEMPLATE = "Hello {{ user.first_name }} from {{ get_variable('region') | upper }}"

interface PlaygroundForm { template?: unknown, kind?: unknown, context?: unknown }

interface Outcome {
  output?: string
  problems?: Array<{ where: string, message: string, line?: number, column?: number }>
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The context as the engine takes it, or the problem with it (JSON errors with line and column). */
function readContext (text: string): RenderContext | Outcome {
  if (text.trim() === '') return {}
  const parsed = parseJson(text)
  if (!parsed.ok) return { problems: [{ where: 'Context', message: parsed.message, line: parsed.line, column: parsed.column }] }
  if (!isObject(parsed.value)) return { problems: [{ where: 'Context', message: 'must be a JSON object' }] }
  for (const key of ['secrets', 'variables']) {
    const map = parsed.value[key]
    if (map !== undefined && (!isObject(map) || Object.values(map).some(v => typeof v !== 'string'))) {
      return { problems: [{ where: 'Context', message: `"${key}" must be an object of strings` }] }
    }
  }
  return parsed.value as RenderContext
}

export function renderPlayground (template: string, kind: FieldKind, contextText: string): Outcome {
  const context = readContext(contextText)
  if ('problems' in context) return context as Outcome
  let compiled
  try {
    compiled = compileTemplate(template, kind)
  } catch (err) {
    if (err instanceof TemplateCompileError) return { problems: err.problems.map(p => ({ where: 'Template', ...p })) }
    throw err
  }
  try {
    return { output: compiled.render(context as RenderContext) }
  } catch (err) {
    if (err instanceof TemplateRenderError) return { problems: [{ where: 'Template', message: err.message.replace(/ \(line \d+, column \d+\)$/, ''), line: err.line, column: err.column }] }
    return { problems: [{ where: 'Template', message: err instanceof Error && err.name === 'ConduitError' ? err.message : 'unexpected error while rendering' }] }
  }
}

async function studioPlayground (fastify: FastifyInstance, { kit }: { kit: StudioKit }): Promise<void> {
  const page = { title: 'Playground', kinds: FIELD_KINDS }

  fastify.get('/studio/playground', async (_request, reply) => kit.page(reply, 'playground', {
    ...page, template: SAMPLE_TEMPLATE, kind: 'header', context: SAMPLE_CONTEXT, outcome: null
  }))

  fastify.post<{ Body: PlaygroundForm }>('/studio/playground', async (request, reply) => {
    const body = request.body ?? {}
    const template = typeof body.template === 'string' ? body.template : ''
    const kind = (FIELD_KINDS as readonly unknown[]).includes(body.kind) ? body.kind as FieldKind : 'header'
    const context = typeof body.context === 'string' ? body.context : ''
    const outcome = renderPlayground(template, kind, context)
    return kit.page(reply, 'playground', { ...page, template, kind, context, outcome }, outcome.problems === undefined ? 200 : 422)
  })
}

export default studioPlayground
