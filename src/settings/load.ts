// Settings loader (SPEC §14): JSON file, then CONDUIT_* environment overrides, validated by the ajv
// schema; every problem names the key, where its value came from and what is wrong.

import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { Ajv } from 'ajv'
import type { ErrorObject } from 'ajv'
import type { Settings } from './types.js'
import { leafSettings, nodeAt, PATH_SETTINGS, settingsSchema } from './schema.js'
import type { LeafSetting, SchemaNode } from './schema.js'
import { JsonSyntaxError, parseJson } from '../json.js'
import { parseAllowedHost } from '../upstream/destination-policy.js'

export class SettingsError extends Error {
  /** One line per problem; the message holds them all. */
  readonly issues: string[]

  constructor (issues: string[]) {
    super(issues.join('\n'))
    this.name = 'SettingsError'
    this.issues = issues
  }
}

export interface LoadSettingsOptions {
  /** The --config argument: the file must exist. Without it `config/conduit.json` under cwd is read when present. */
  configPath?: string
  env: Record<string, string | undefined>
  cwd: string
}

export const DEFAULT_CONFIG_PATH = 'config/conduit.json'
/** Shorthand for secrets.file.masterKey, the name operators expect for the key of the file store. */
export const MASTER_KEY_ENV = 'CONDUIT_MASTER_KEY'

// Values of these keys are credentials and never appear in a message.
const SENSITIVE = new Set(['admin.token', 'secrets.file.masterKey', 'secrets.vault.auth.token', 'callers.jwt.secret', 'redis.url'])

const LEAVES: readonly LeafSetting[] = leafSettings()
const LEAF_BY_ENV = new Map(LEAVES.map(leaf => [leaf.env, leaf]))
if (LEAF_BY_ENV.size !== LEAVES.length) throw new Error('settings schema: two keys map to the same environment variable')

const validate = new Ajv({ allErrors: true, useDefaults: true, discriminator: true, strict: true, strictRequired: false }).compile<Settings>(settingsSchema)

type Json = Record<string, unknown>

function isObject (value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function loadSettings (options: LoadSettingsOptions): Settings {
  const { cwd, env } = options
  const file = settingsFile(options)
  const fromFile = file === undefined ? {} : readSettingsFile(file, options.configPath !== undefined, cwd)
  const fileLabel = file === undefined ? undefined : `file ${displayPath(file, cwd)}`

  const data = structuredClone(fromFile)
  const envSources = applyEnvironment(data, env)

  const sourceOf = (path: string): string => {
    const names = [...envSources].filter(([p]) => p === path || p.startsWith(path + '.')).map(([, name]) => name)
    if (fileLabel !== undefined && valueAt(fromFile, path.split('.')) !== undefined) names.push(fileLabel)
    return names.length > 0 ? names.join(' and ') : 'defaults'
  }

  if (!validate(data)) {
    throw new SettingsError(describeErrors(validate.errors ?? [], data, sourceOf))
  }
  const settings = data as Settings
  const problems = crossChecks(settings, sourceOf)
  if (problems.length > 0) throw new SettingsError(problems)
  return resolvePaths(settings, cwd)
}

/**
 * Settings given as an object (conduit/testing): validated and defaulted like a settings file,
 * without reading any file or environment variable.
 */
export function settingsFromObject (value: unknown, cwd: string): Settings {
  if (!isObject(value)) throw new SettingsError(['settings must be an object'])
  const data = structuredClone(value)
  const sourceOf = (): string => 'the settings object'
  if (!validate(data)) throw new SettingsError(describeErrors(validate.errors ?? [], data, sourceOf))
  const settings = data as Settings
  const problems = crossChecks(settings, sourceOf)
  if (problems.length > 0) throw new SettingsError(problems)
  return resolvePaths(settings, cwd)
}

function settingsFile ({ configPath, cwd }: LoadSettingsOptions): string | undefined {
  if (configPath !== undefined) {
    const file = resolve(cwd, configPath)
    if (!existsSync(file)) throw new SettingsError([`Settings file ${configPath} (from --config) does not exist`])
    return file
  }
  const fallback = resolve(cwd, DEFAULT_CONFIG_PATH)
  return existsSync(fallback) ? fallback : undefined
}

function readSettingsFile (file: string, explicit: boolean, cwd: string): Json {
  const shown = displayPath(file, cwd) + (explicit ? ' (from --config)' : '')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error'
    throw new SettingsError([`Settings file ${shown} cannot be read (${code})`])
  }
  let parsed: unknown
  try {
    parsed = parseJson(text)
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new SettingsError([`Settings file ${shown}: ${err.message}`])
    throw err
  }
  if (!isObject(parsed)) throw new SettingsError([`Settings file ${shown}: must hold a JSON object at the top level`])
  return parsed
}

function displayPath (file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/** Applies CONDUIT_* overrides in place; returns key path → variable name for every override applied. */
function applyEnvironment (data: Json, env: Record<string, string | undefined>): Map<string, string> {
  const sources = new Map<string, string>()
  const set = (leaf: LeafSetting, raw: string): void => {
    const path = leaf.path.split('.')
    let target: Json = data
    for (const key of path.slice(0, -1)) {
      const next = target[key]
      if (next === undefined) {
        target[key] = {}
      } else if (!isObject(next)) {
        return // the file holds a non-object here; validation reports it
      }
      target = target[key] as Json
    }
    target[path.at(-1) as string] = coerce(raw, leaf.node)
    sources.set(leaf.path, leaf.env)
  }
  for (const leaf of LEAVES) {
    const raw = env[leaf.env]
    if (raw !== undefined && raw !== '') set(leaf, raw)
  }
  const masterKey = env[MASTER_KEY_ENV]
  if (masterKey !== undefined && masterKey !== '' && !sources.has('secrets.file.masterKey')) {
    const leaf = LEAVES.find(l => l.path === 'secrets.file.masterKey') as LeafSetting
    set({ ...leaf, env: MASTER_KEY_ENV }, masterKey)
  }
  return sources
}

/** Text from the environment becomes the schema's type; text that does not fit stays text so validation names it. */
function coerce (raw: string, node: SchemaNode): unknown {
  const text = raw.trim()
  if (node.type === 'integer' && /^-?\d+$/.test(text)) return Number(text)
  if (node.type === 'array') return text.split(',').map(item => item.trim()).filter(item => item !== '')
  if (node.type === 'boolean') {
    const lower = text.toLowerCase()
    if (lower === 'true' || lower === '1') return true
    if (lower === 'false' || lower === '0') return false
  }
  return raw
}

/** CONDUIT_* variables that name no setting; they are ignored, and `serve` may say so. */
export function ignoredEnvVars (env: Record<string, string | undefined>): string[] {
  return Object.keys(env).filter(name => name.startsWith('CONDUIT_') && !LEAF_BY_ENV.has(name) && name !== MASTER_KEY_ENV).sort()
}

function valueAt (data: unknown, path: string[]): unknown {
  let current = data
  for (const key of path) {
    if (!isObject(current)) return undefined
    current = current[key]
  }
  return current
}

function pathOf (instancePath: string): string[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function quoteList (values: readonly string[]): string {
  return values.map(v => `'${v}'`).join(', ')
}

/** What a valid value of this key looks like, in words. */
export function describeNode (node: SchemaNode | undefined): string {
  if (node === undefined) return 'is not valid'
  if (node.enum !== undefined) return `must be one of ${quoteList(node.enum)}`
  if (node.const !== undefined) return `must be '${node.const}'`
  switch (node.type) {
    case 'integer':
      if (node.minimum !== undefined && node.maximum !== undefined) return `must be integer between ${node.minimum} and ${node.maximum}`
      if (node.minimum !== undefined) return `must be integer >= ${node.minimum}`
      return 'must be integer'
    case 'boolean':
      return 'must be boolean (true or false)'
    case 'object':
      return 'must be an object'
    case 'array':
      if (node.description !== undefined) return `must be ${node.description}`
      return `must be a list of ${node.items?.description ?? 'values'}`
    case 'string':
      if (node.description !== undefined) return `must be ${node.description}`
      return node.minLength !== undefined ? 'must be a non-empty string' : 'must be a string'
    default:
      return 'is not valid'
  }
}

function shownValue (path: string, value: unknown): string {
  if (SENSITIVE.has(path) || value === undefined || isObject(value) || Array.isArray(value)) return ''
  const text = JSON.stringify(value)
  return ` (got ${text.length > 40 ? text.slice(0, 37) + '...' : text})`
}

function suggestion (parent: string[], unknown: string): string {
  const node = nodeAt(parent)
  const keys = new Set<string>(Object.keys(node?.properties ?? {}))
  for (const branch of node?.oneOf ?? []) for (const key of Object.keys(branch.properties ?? {})) keys.add(key)
  const lower = unknown.toLowerCase().replace(/[_-]/g, '')
  const match = [...keys].find(key => key.toLowerCase() === lower || editDistance(key.toLowerCase(), lower) <= 2)
  return match === undefined ? '' : `; did you mean ${[...parent, match].join('.')}?`
}

function editDistance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number
      row[j] = Math.min(tmp + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length] as number
}

function describeErrors (errors: ErrorObject[], data: Json, sourceOf: (path: string) => string): string[] {
  const issues: string[] = []
  const seen = new Set<string>()
  const add = (path: string[], text: (key: string) => string): void => {
    const key = path.join('.')
    if (seen.has(key)) return
    seen.add(key)
    issues.push(text(key))
  }
  for (const error of errors) {
    const base = pathOf(error.instancePath)
    const params = error.params as Record<string, unknown>
    switch (error.keyword) {
      case 'additionalProperties': {
        const name = String(params.additionalProperty)
        add([...base, name], key => `Unknown setting ${key} (from ${sourceOf(key)}): not a known key${suggestion(base, name)}`)
        break
      }
      case 'required': {
        const path = [...base, String(params.missingProperty)]
        add(path, key => `Invalid setting ${key} (from ${sourceOf(base.join('.'))}): is required${requiredContext(base, data)}`)
        break
      }
      case 'discriminator': {
        const path = [...base, String(params.tag)]
        add(path, key => `Invalid setting ${key} (from ${sourceOf(key)}): ${describeNode(nodeAt(path))}${shownValue(key, valueAt(data, path))}`)
        break
      }
      case 'oneOf':
        break // discriminator or branch errors already say what is wrong
      default:
        add(base, key => `Invalid setting ${key === '' ? '(top level)' : key} (from ${sourceOf(key)}): ${describeNode(nodeAt(base))}${shownValue(key, valueAt(data, base))}`)
    }
  }
  return issues
}

function requiredContext (base: string[], data: Json): string {
  const method = valueAt(data, [...base, 'method'])
  return typeof method === 'string' ? ` when ${[...base, 'method'].join('.')} is '${method}'` : ''
}

/** Rules spanning several keys, which the schema does not express. */
function crossChecks (settings: Settings, sourceOf: (path: string) => string): string[] {
  const problems: string[] = []
  const jwt = settings.callers.jwt
  if (jwt !== undefined) {
    const keys = (['secret', 'publicKey', 'jwksUrl'] as const).filter(k => jwt[k] !== undefined)
    if (keys.length !== 1) {
      problems.push(`Invalid setting callers.jwt (from ${sourceOf('callers.jwt')}): must set exactly one of secret, publicKey, jwksUrl` +
        (keys.length > 1 ? ` (found ${keys.join(', ')})` : ''))
    }
  }
  const allowed = settings.upstream.allowPrivateHosts
  allowed?.forEach((entry, i) => {
    const parsed = parseAllowedHost(entry)
    if (!parsed.ok) problems.push(`Invalid setting upstream.allowPrivateHosts[${i}] (from ${sourceOf('upstream.allowPrivateHosts')}): ${parsed.message}`)
  })
  // An empty list is no list: the settings then read as if the key were not set.
  if (allowed !== undefined && allowed.length === 0) delete settings.upstream.allowPrivateHosts
  const vault = settings.secrets.vault
  if (settings.secrets.backend === 'vault' && vault.auth.method === 'token' && vault.auth.token === undefined && vault.auth.tokenFile === undefined) {
    problems.push(`Invalid setting secrets.vault.auth.token (from ${sourceOf('secrets.vault.auth')}): is required when secrets.backend is 'vault' ` +
      'and secrets.vault.auth.method is \'token\' (set token or tokenFile)')
  }
  const { server, upstream } = settings
  // Grace counts from the signal: a request started just before it must be able to use its whole upstream timeout.
  if (server.shutdownGraceMs < upstream.timeoutMs) {
    problems.push(`Invalid setting server.shutdownGraceMs (from ${sourceOf('server.shutdownGraceMs')}): must be at least upstream.timeoutMs ` +
      `(${upstream.timeoutMs}), or requests in flight at shutdown are cut (got ${server.shutdownGraceMs})`)
  }
  if (server.shutdownDelayMs >= server.shutdownGraceMs) {
    problems.push(`Invalid setting server.shutdownDelayMs (from ${sourceOf('server.shutdownDelayMs')}): must be below server.shutdownGraceMs ` +
      `(${server.shutdownGraceMs}) (got ${server.shutdownDelayMs})`)
  }
  if (settings.admin.port !== undefined && settings.admin.port !== 0 && settings.admin.port === server.port) {
    problems.push(`Invalid setting admin.port (from ${sourceOf('admin.port')}): must differ from server.port (${server.port})`)
  }
  return problems
}

function resolvePaths (settings: Settings, cwd: string): Settings {
  settings.dataDir = resolve(cwd, settings.dataDir)
  const file = settings.secrets.file
  file.path ??= resolve(settings.dataDir, 'secrets.json')
  file.keyFile ??= resolve(settings.dataDir, 'master.key')
  for (const dotted of PATH_SETTINGS) {
    const path = dotted.split('.')
    const parent = valueAt(settings, path.slice(0, -1))
    const key = path.at(-1) as string
    if (isObject(parent) && typeof parent[key] === 'string') parent[key] = resolve(cwd, parent[key])
  }
  return settings
}

/** Settings that weaken a protection; `serve` logs each line as a warning at start-up. */
export function settingsWarnings (settings: Settings): string[] {
  const warnings: string[] = []
  if (settings.upstream.allowInsecure) {
    warnings.push('upstream.allowInsecure is on: connectors may call plain http:// URLs, so credentials can cross the network unencrypted')
  }
  if (settings.upstream.allowPrivateHosts !== undefined && !settings.upstream.allowPrivateNetworks) {
    warnings.push(`upstream.allowPrivateHosts lets connectors reach these private destinations: ${settings.upstream.allowPrivateHosts.join(', ')}`)
  }
  if (settings.upstream.allowPrivateNetworks) {
    warnings.push('upstream.allowPrivateNetworks is on: the SSRF guard is off, so connectors can reach loopback, private-network and cloud metadata addresses')
  }
  if (settings.secrets.backend === 'file' && settings.server.replicaHint > 1) {
    warnings.push(`secrets.backend is 'file' but server.replicaHint is ${settings.server.replicaHint}: each replica keeps its own ` +
      'secrets file, so an admin write reaches one replica only; use secrets.backend \'vault\' for several replicas')
  }
  const token = settings.admin.token
  if (token !== undefined && token.length < 16) {
    warnings.push('admin.token is shorter than 16 characters: use a long random token')
  }
  return warnings
}
