// `conduit render --field KIND --context FILE` (SPEC §13): template on stdin, rendered output on
// stdout; compile and render errors as one JSON object on stderr with exit code 1.
import { readFile } from 'node:fs/promises'
import { FIELD_KINDS, TemplateCompileError, TemplateRenderError, compileTemplate } from '../../src/template/index.js'
import type { FieldKind, RenderContext } from '../../src/template/index.js'
import { parseJson } from '../../src/json.js'
import { scrub } from '../../src/secrets/redact.js'
import { USAGE_EXIT, UsageError, helpText, readCommand, usageLine } from '../cli.js'
import type { CommandSpec } from '../cli.js'

export const SPEC: CommandSpec = {
  name: 'render',
  synopsis: '--field KIND --context FILE < template',
  summary: 'Renders the template read from stdin as the given field kind would render it, with the\n' +
    'names of the context file (secrets as "secrets": {name: value}). The output goes to stdout;\n' +
    'a compile or render error goes to stderr as one JSON object, exit 1.',
  options: {
    field: { type: 'string', value: 'KIND', description: `the field kind: ${FIELD_KINDS.join(', ')}` },
    context: { type: 'string', value: 'FILE', description: 'a JSON object: user, tenant_id, pathParams, secrets, variables, response, …' }
  }
}

/** Error output is scrubbed of the context's secret values: a message may quote what it failed on. */
function fail (error: string, fields: Record<string, unknown>, secrets: Iterable<string> = []): number {
  process.stderr.write(scrub(JSON.stringify({ error, ...fields }), secrets) + '\n')
  return 1
}

interface Options { field: FieldKind, context: string }

/** A number is the exit code of --help; a string a usage error. */
function parseRenderArgs (args: string[]): Options | string | number {
  // Usage errors stay one JSON object on stderr, as every other error of this command.
  let parsed
  try {
    parsed = readCommand<{ field?: string, context?: string }>(SPEC, args, { max: 0 })
  } catch (err) {
    if (err instanceof UsageError) return err.message
    throw err
  }
  if (parsed === 'help') {
    process.stdout.write(helpText(SPEC))
    return 0
  }
  const { field, context } = parsed.values
  if (field === undefined) return '--field is required'
  if (!(FIELD_KINDS as readonly string[]).includes(field)) return `unknown field '${field}': expected one of ${FIELD_KINDS.join(', ')}`
  if (context === undefined) return '--context is required'
  return { field: field as FieldKind, context }
}

async function readStdin (): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function loadContext (file: string): Promise<RenderContext | string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return `cannot read context file '${file}': ${(err as NodeJS.ErrnoException).code ?? 'error'}`
  }
  let value: unknown
  try {
    // Not JSON.parse: V8's message quotes the text around the error, secrets included.
    value = parseJson(text)
  } catch (err) {
    return `context file '${file}' is not valid JSON: ${(err as Error).message}`
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `context file '${file}' must hold a JSON object`
  for (const key of ['secrets', 'variables'] as const) {
    const map = (value as Record<string, unknown>)[key]
    if (map === undefined) continue
    if (map === null || typeof map !== 'object' || Array.isArray(map) || Object.values(map).some(v => typeof v !== 'string')) {
      return `context file '${file}': "${key}" must be an object of strings`
    }
  }
  return value as RenderContext
}

export async function run (args: string[]): Promise<number> {
  const options = parseRenderArgs(args)
  if (typeof options === 'number') return options
  if (typeof options === 'string') {
    fail('usage', { message: `${options}\n${usageLine(SPEC)}` })
    return USAGE_EXIT
  }
  const context = await loadContext(options.context)
  if (typeof context === 'string') return fail('context', { message: context })
  const secrets = Object.values((context as { secrets?: Record<string, string> }).secrets ?? {})
  const source = await readStdin()
  let template
  try {
    template = compileTemplate(source, options.field)
  } catch (err) {
    if (err instanceof TemplateCompileError) return fail('compile', { problems: err.problems }, secrets)
    throw err
  }
  try {
    process.stdout.write(template.render(context))
    return 0
  } catch (err) {
    if (err instanceof TemplateRenderError) return fail('render', { message: err.message, line: err.line, column: err.column }, secrets)
    return fail('render', { message: err instanceof Error && err.name === 'ConduitError' ? err.message : 'unexpected error while rendering' }, secrets)
  }
}
