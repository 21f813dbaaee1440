// `conduit serve [--config FILE] [--registry PATH] [--host H] [--port P]` (SPEC §13): loads settings,
// opens the secret store, loads and watches the registry, and serves until SIGTERM/SIGINT.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { loadSettings, settingsWarnings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { createLogger, createSecretResolver, createSecretStore } from '../../src/secrets/index.js'
import { createRegistryHolder } from '../../src/registry/watch.js'
import { formatProblem } from '../../src/registry/types.js'
import type { RegistryProblem } from '../../src/registry/types.js'
import { buildApp } from '../../plugins/app.js'
import { UsageError, helpText, readCommand, usageError } from '../cli.js'
import type { CommandSpec } from '../cli.js'

export interface ServeArgs {
  config?: string
  registry?: string
  host?: string
  port?: number
}

export const SPEC: CommandSpec = {
  name: 'serve',
  synopsis: '[options]',
  summary: 'Runs the gateway: loads the settings, opens the secret store, loads and watches the registry,\n' +
    'and serves until SIGTERM or SIGINT. Every option overrides its setting (see docs/settings.md).',
  options: {
    config: { type: 'string', value: 'FILE', description: 'settings file (default: config/conduit.json when present)' },
    registry: { type: 'string', value: 'PATH', description: 'registry file or directory (registry.path)' },
    host: { type: 'string', value: 'H', description: 'address to listen on (server.host)' },
    port: { type: 'string', value: 'P', description: 'port to listen on, 0 for a free one (server.port)' }
  }
}

/** Throws UsageError; 'help' when --help was given. */
export function parseServeArgs (args: string[]): ServeArgs | 'help' {
  const parsed = readCommand<{ config?: string, registry?: string, host?: string, port?: string }>(SPEC, args, { max: 0 })
  if (parsed === 'help') return 'help'
  const out: ServeArgs = {}
  const v = parsed.values
  for (const name of ['config', 'registry', 'host'] as const) {
    const value = v[name]
    if (value === undefined) continue
    if (value === '') throw new UsageError(`--${name} needs a value`)
    out[name] = value
  }
  if (v.port !== undefined) {
    const port = Number(v.port)
    if (!/^\d+$/.test(v.port) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not '${v.port}'`)
    out.port = port
  }
  return out
}

/** settings.admin.token, or a token generated once into <dataDir>/admin.token (mode 0600). */
export function adminToken (settings: Settings): { token: string, file?: string } {
  if (settings.admin.token !== undefined) return { token: settings.admin.token }
  const file = join(settings.dataDir, 'admin.token')
  try {
    const existing = readFileSync(file, 'utf8').trim()
    if (existing !== '') return { token: existing, file }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const token = randomBytes(32).toString('base64url')
  writeFileSync(file, token + '\n', { mode: 0o600, flag: 'wx' })
  return { token, file }
}

function problemLines (problems: RegistryProblem[]): string {
  return problems.map(p => '  ' + formatProblem(p)).join('\n')
}

export async function run (args: string[]): Promise<number> {
  let parsed: ServeArgs
  try {
    const read = parseServeArgs(args)
    if (read === 'help') {
      process.stdout.write(helpText(SPEC))
      return 0
    }
    parsed = read
  } catch (err) {
    if (err instanceof UsageError) return usageError(SPEC, err.message)
    throw err
  }
  let settings: Settings
  try {
    settings = loadSettings({ configPath: parsed.config, env: process.env, cwd: process.cwd() })
  } catch (err) {
    process.stderr.write(`conduit serve: invalid settings:\n${(err as Error).message}\n`)
    return 1
  }
  if (parsed.registry !== undefined) settings.registry.path = resolve(parsed.registry)
  if (parsed.host !== undefined) settings.server.host = parsed.host
  if (parsed.port !== undefined) settings.server.port = parsed.port

  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 })
  // The logger redacts by the resolver's values and the resolver needs the store, so the store's
  // warnings (Vault renewal and login trouble) reach the logger through this late binding.
  let logWarning: (message: string) => void = message => { process.stderr.write(`conduit serve: ${message}\n`) }
  let store
  try {
    store = createSecretStore(settings.secrets, { warn: message => { logWarning(message) } })
  } catch (err) {
    process.stderr.write(`conduit serve: cannot open the secret store: ${(err as Error).message}\n`)
    return 1
  }
  const resolver = createSecretResolver(store, settings.secrets.cache)
  const logger = createLogger({ level: settings.logLevel, secretValues: () => resolver.knownSecretValues(), name: 'conduit' })
  logWarning = message => { logger.warn(message) }
  for (const warning of settingsWarnings(settings)) logger.warn(warning)

  const admin = adminToken(settings)
  if (admin.file !== undefined) logger.info({ file: admin.file }, `admin token is in ${admin.file}`)

  const registryOptions = {
    allowInsecure: settings.upstream.allowInsecure,
    allowPrivateNetworks: settings.upstream.allowPrivateNetworks
  }
  const holder = createRegistryHolder(settings.registry.path, registryOptions, {
    onLoad: (registry) => {
      logger.info({ connectors: registry.connectors.size, composites: registry.composites.size, sources: registry.sources }, 'registry loaded')
      for (const w of registry.warnings) logger.warn({ warning: formatProblem(w) }, 'registry warning')
    },
    onReloadError: (problems) => {
      logger.error({ problems: problems.map(formatProblem) }, 'registry reload failed; the previous registry stays in service')
    }
  })
  try {
    await holder.load()
  } catch (err) {
    const problems = (err as { problems?: RegistryProblem[] }).problems
    process.stderr.write(`conduit serve: cannot load the registry ${settings.registry.path}:\n${problems === undefined ? (err as Error).message : problemLines(problems)}\n`)
    await store.close()
    return 1
  }
  if (settings.registry.watch) holder.watch()

  const app = await buildApp({
    settings,
    store,
    resolver,
    registry: holder,
    adminToken: admin.token,
    logger: logger as unknown as FastifyBaseLogger,
    closeStore: true
  })

  const onHup = (): void => {
    logger.info('SIGHUP: reloading the registry')
    holder.reload().catch(() => {})
  }
  process.on('SIGHUP', onHup)

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info(`${signal}: shutting down`)
    process.off('SIGHUP', onHup)
    holder.close()
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    app.close().then(() => { process.exitCode = 0 }, (err: unknown) => {
      logger.error({ err }, 'error while shutting down')
      process.exitCode = 1
    })
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))

  try {
    const address = await app.listen({ host: settings.server.host, port: settings.server.port })
    logger.info({ address }, `Conduit listening on ${address}`)
  } catch (err) {
    logger.error({ err }, 'cannot listen')
    holder.close()
    await app.close()
    return 1
  }
  return -1
}
