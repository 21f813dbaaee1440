// What every subcommand shares: its options parsed by node:util parseArgs from one description,
// which also prints `--help` in one style, and usage errors reported the same way (exit 2).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export interface OptionSpec {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
  /** Shown after the option name in the help, e.g. `FILE`, `k=v`. */
  value?: string
  description: string
}

export interface CommandSpec {
  /** `test`, `secrets`, … */
  name: string
  /** The synopsis after `conduit <name> `, e.g. `PERMALINK [options]`. */
  synopsis: string
  /** One paragraph: what the command does. */
  summary: string
  options: Record<string, OptionSpec>
  /** Positional arguments: `[name, description]` rows for the help. */
  positionals?: Array<[string, string]>
  /** Extra help text after the options (examples, exit codes). */
  notes?: string
}

export const USAGE_EXIT = 2

export class UsageError extends Error {}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' }

function column (rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2
  return rows.map(([left, right]) => '  ' + left.padEnd(width) + right).join('\n')
}

export function usageLine (spec: CommandSpec): string {
  return `usage: conduit ${spec.name} ${spec.synopsis}`.trimEnd()
}

export function helpText (spec: CommandSpec): string {
  const options: Array<[string, string]> = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => [
    `${o.short === undefined ? '    ' : `-${o.short}, `}--${name}${o.value === undefined ? '' : ' ' + o.value}`,
    o.description + (o.multiple === true ? ' (repeatable)' : '')
  ])
  const parts = [usageLine(spec), '', spec.summary]
  if (spec.positionals !== undefined && spec.positionals.length > 0) parts.push('', 'arguments:', column(spec.positionals))
  parts.push('', 'options:', column(options))
  if (spec.notes !== undefined) parts.push('', spec.notes)
  return parts.join('\n') + '\n'
}

export interface Parsed<T> {
  values: T
  positionals: string[]
}

/** Parses argv for a command: 'help' when --help was given; throws UsageError. */
export function readCommand<T = Record<string, string | boolean | string[] | undefined>> (
  spec: CommandSpec, argv: string[], limits: { min?: number, max?: number } = {}
): Parsed<T> | 'help' {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => [name, {
        type: o.type,
        ...(o.multiple === true ? { multiple: true } : {}),
        ...(o.short === undefined ? {} : { short: o.short })
      }])),
      allowPositionals: true,
      strict: true
    })
  } catch (err) {
    throw new UsageError(cleanMessage((err as Error).message))
  }
  if (parsed.values.help === true) return 'help'
  const n = parsed.positionals.length
  if (limits.min !== undefined && n < limits.min) {
    const missing = spec.positionals?.[n]?.[0]
    throw new UsageError(missing === undefined ? 'missing argument' : `${missing} is required`)
  }
  if (limits.max !== undefined && n > limits.max) throw new UsageError(`unexpected argument '${parsed.positionals[limits.max]}'`)
  const { help: _help, ...values } = parsed.values
  return { values: values as T, positionals: parsed.positionals }
}

/**
 * Parses argv for a command. `--help` prints the help to stdout and gives the exit code 0;
 * a usage error prints `conduit <name>: <message>` and the usage line to stderr and gives 2.
 */
export function parseCommand<T = Record<string, string | boolean | string[] | undefined>> (
  spec: CommandSpec, argv: string[], limits: { min?: number, max?: number } = {}
): Parsed<T> | number {
  try {
    const parsed = readCommand<T>(spec, argv, limits)
    if (parsed !== 'help') return parsed
    process.stdout.write(helpText(spec))
    return 0
  } catch (err) {
    if (err instanceof UsageError) return usageError(spec, err.message)
    throw err
  }
}

/** parseArgs says "Unknown option '--x'. To specify a positional argument starting with a '-', …": keep the first sentence. */
function cleanMessage (message: string): string {
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message)
  if (missing !== null) return `${missing[1]} needs a value`
  return message.split('. To specify')[0].replace(/\.$/, '').replace(/^Unknown option/, 'unknown option').replace(/^Option/, 'option')
}

export function usageError (spec: CommandSpec, message: string): number {
  process.stderr.write(`conduit ${spec.name}: ${message}\n${usageLine(spec)}\nRun 'conduit ${spec.name} --help' for every option.\n`)
  return USAGE_EXIT
}

/** `k=v` → [k, v]; the value may hold '=' itself. */
export function pair (text: string, option: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError(`--${option} takes key=value, not '${text}'`)
  return [text.slice(0, eq), text.slice(eq + 1)]
}

/** The version of the installed package (package.json above bin/ or dist/bin/). */
export function packageVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'conduit' && typeof pkg.version === 'string') return pkg.version
    } catch {}
    dir = dirname(dir)
  }
  return 'unknown'
}
