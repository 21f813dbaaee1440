// `conduit serve [--config FILE] [--registry PATH] [--host H] [--port P]` (SPEC §13): loads settings,
// opens the secret store (and Redis, when redis.url is set), loads and watches the registry, and
// serves until SIGTERM/SIGINT, then shuts down as SPEC §19 says: /readyz turns 503 at once, the
// listeners close after server.shutdownDelayMs (endpoints are withdrawn by then), requests in
// flight finish, and after server.shutdownGraceMs (counted from the signal) the process exits 1
// with a log line naming the requests it cut.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import { loadSettings, settingsWarnings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { FileSecretStore, createLogger, createSecretResolver, createSecretStore } from '../../src/secrets/index.js'
import { connectRedis, createSharedState } from '../../src/shared-state/index.js'
import type { SharedState } from '../../src/shared-state/index.js'
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
  if (store instanceof FileSecretStore && store.createdKeyFile !== undefined) {
    logger.warn({ keyFile: store.createdKeyFile }, `generated a new master key in ${store.createdKeyFile}: back it up now (README: ` +
      `"Backing up the master key"); losing it loses every secret in ${settings.secrets.file.path}`)
  }

  let sharedState: SharedState | undefined
  if (settings.redis.url !== undefined) {
    const connection = connectRedis(settings.redis.url, { info: m => { logger.info(m) }, warn: m => { logger.warn(m) } })
    // A short wait so the first requests already share; without Redis the replica starts on local state.
    await connection.ready(2000)
    // The lock lets one replica make the token request; it must outlive that request.
    sharedState = createSharedState(connection, { secrets: resolver, tokenLockMs: settings.upstream.timeoutMs + 5000 })
  }

  const admin = adminToken(settings)
  if (admin.file !== undefined) logger.info({ file: admin.file }, `admin token is in ${admin.file}`)

  const registryOptions = {
    allowInsecure: settings.upstream.allowInsecure,
    allowPrivateNetworks: settings.upstream.allowPrivateNetworks,
    allowPrivateHosts: settings.upstream.allowPrivateHosts
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
    closeStore: true,
    sharedState,
    // SPEC §18: the standard OpenTelemetry variable turns tracing on as well as tracing.enabled.
    tracing: (process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '') !== '' || (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '') !== ''
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
    const { shutdownDelayMs, shutdownGraceMs } = settings.server
    const started = Date.now()
    app.lifecycle.drain()
    process.off('SIGHUP', onHup)
    logger.info(`${signal}: shutting down: /readyz answers 503, the listeners close in ${shutdownDelayMs} ms, ` +
      `requests in flight have until ${shutdownGraceMs} ms`)
    const cut = setTimeout(() => {
      const requests = app.lifecycle.inFlight().map(r => ({ requestId: r.id, method: r.method, path: r.path, runningMs: Date.now() - r.startedAt }))
      const names = requests.map(r => `${r.method} ${r.path} (request ${r.requestId}, running ${r.runningMs} ms)`).join(', ')
      logger.error({ cut: requests }, `shutdown grace of ${shutdownGraceMs} ms is over: exiting with ${requests.length} request(s) cut: ${names === '' ? 'none' : names}`)
      process.exit(1)
    }, shutdownGraceMs)
    setTimeout(() => {
      holder.close()
      logger.info('closing the listeners: new connections are refused; waiting for requests in flight')
      app.close().then(() => {
        clearTimeout(cut)
        logger.info(`shutdown complete after ${Date.now() - started} ms`)
        process.exit(0)
      }, (err: unknown) => {
        logger.error({ err }, 'error while shutting down')
        process.exit(1)
      })
    }, shutdownDelayMs)
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))

  try {
    const address = await app.listen({ host: settings.server.host, port: settings.server.port })
    logger.info({ address }, `Conduit listening on ${address}`)
    const adminAddress = await app.listenAdmin()
    if (adminAddress !== undefined) logger.info({ address: adminAddress }, `Conduit admin API, metrics and Studio listening on ${adminAddress}`)
  } catch (err) {
    logger.error({ err }, 'cannot listen')
    holder.close()
    await app.close()
    return 1
  }
  return -1
}
