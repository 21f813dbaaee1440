// `conduit test PERMALINK …` (SPEC §13, §22): one call of a connector or composite connector
// against the local registry and secret store, as `conduit serve` would make it; `--verbose` adds
// the X-Debug-Request view, `--record FILE` writes a contract for `conduit contract`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { pino } from 'pino'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { createLogger, createSecretResolver, createSecretStore } from '../../src/secrets/index.js'
import type { SecretStore } from '../../src/secrets/types.js'
import { loadRegistry } from '../../src/registry/load.js'
import { formatProblem } from '../../src/registry/types.js'
import type { Registry, RegistryProblem } from '../../src/registry/types.js'
import { createUpstreamDispatcher } from '../../src/upstream/dispatcher.js'
import { TokenCache } from '../../src/auth/token-cache.js'
import { createCallerVerifier } from '../../src/pipeline/caller-identity.js'
import { HttpDispatcher } from '../../src/testing/http-dispatcher.js'
import { runCall } from '../../src/testing/run.js'
import type { ExecuteInput, TestResponse, TestUser } from '../../src/testing/run.js'
import { ContractError, recordContract } from '../../src/testing/contract.js'
import { UsageError, pair, parseCommand, usageError } from '../cli.js'
import type { CommandSpec } from '../cli.js'

const USER_FIELDS = ['id', 'email', 'first_name', 'last_name', 'username', 'tenant_id']

export const SPEC: CommandSpec = {
  name: 'test',
  synopsis: 'PERMALINK [options]',
  summary: 'Calls one connector (or composite connector) through the same pipeline as `conduit serve`,\n' +
    'with the local registry and secret store, and prints the answer. Exit 0 for a status below 400, else 1.',
  positionals: [['PERMALINK', 'the connector or composite connector to call']],
  options: {
    query: { type: 'string', multiple: true, value: 'k=v', description: 'a caller query parameter' },
    'path-param': { type: 'string', multiple: true, value: 'k=v', description: 'a path parameter (as X-Path-Params would carry it)' },
    header: { type: 'string', multiple: true, value: 'k=v', description: 'a caller header' },
    payload: { type: 'string', value: '@FILE|JSON', description: 'the JSON payload (POST, PUT, PATCH; composites)' },
    user: { type: 'string', multiple: true, value: 'field=value', description: `a field of the caller: ${USER_FIELDS.join(', ')}, profile_fields.<id>` },
    'caller-jwt': { type: 'string', value: 'TOKEN', description: 'a caller JWT, verified with the callers.jwt settings, that gives user.* and tenant_id' },
    verbose: { type: 'boolean', short: 'v', description: 'print the X-Debug-Request view and the response headers' },
    json: { type: 'boolean', description: 'print one JSON object {status, headers, body[, debug]}' },
    record: { type: 'string', value: 'FILE', description: 'call the real upstream and write a contract (no secret value is written)' },
    'connect-to': { type: 'string', multiple: true, value: 'HOST:PORT:HOST2:PORT2', description: 'connect to HOST2:PORT2 for URLs of HOST:PORT (as curl --connect-to; Host and TLS name unchanged)' },
    composite: { type: 'boolean', description: 'look PERMALINK up among composite connectors only' },
    config: { type: 'string', value: 'FILE', description: 'settings file (default: config/conduit.json when present)' },
    registry: { type: 'string', value: 'PATH', description: 'registry file or directory (default: the registry.path setting)' }
  },
  notes: 'examples:\n' +
    '  conduit test crm-contact --path-param contact_id=42 --user email=ops@example.com --verbose\n' +
    '  conduit test contact-with-company --query contact_id=42\n' +
    '  conduit test weather-api --query q=Paris,fr --record contracts/weather-api.contract.json'
}

interface Values {
  query?: string[]
  'path-param'?: string[]
  header?: string[]
  payload?: string
  user?: string[]
  'caller-jwt'?: string
  verbose?: boolean
  json?: boolean
  record?: string
  'connect-to'?: string[]
  composite?: boolean
  config?: string
  registry?: string
}

export interface TestArgs {
  permalink: string
  query: Array<[string, string]>
  pathParams: Record<string, string>
  headers: Record<string, string>
  payload?: string
  user?: TestUser
  callerJwt?: string
  verbose: boolean
  json: boolean
  record?: string
  connectTo?: Record<string, string>
  composite: boolean
  config?: string
  registry?: string
}

function userOf (rows: string[]): TestUser {
  const user: TestUser & { profile_fields?: Record<string, unknown> } = {}
  for (const row of rows) {
    const [field, value] = pair(row, 'user')
    if (field.startsWith('profile_fields.') && field.length > 'profile_fields.'.length) {
      user.profile_fields = { ...user.profile_fields, [field.slice('profile_fields.'.length)]: value }
    } else if (USER_FIELDS.includes(field)) {
      (user as Record<string, unknown>)[field] = value
    } else {
      throw new UsageError(`--user: unknown field '${field}'; use ${USER_FIELDS.join(', ')} or profile_fields.<id>`)
    }
  }
  return user
}

function connectToOf (rows: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const row of rows) {
    const m = /^([^:]+|\[[^\]]+\]):(\d{1,5}):([^:]+|\[[^\]]+\]):(\d{1,5})$/.exec(row)
    if (m === null) throw new UsageError(`--connect-to takes HOST:PORT:HOST2:PORT2, not '${row}'`)
    out[`${m[1]}:${m[2]}`] = `${m[3]}:${m[4]}`
  }
  return out
}

/** Parses the arguments; a number is the exit code of --help or a usage error. */
export function parseTestArgs (argv: string[]): TestArgs | number {
  const parsed = parseCommand<Values>(SPEC, argv, { min: 1, max: 1 })
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  try {
    const headers: Record<string, string> = {}
    for (const row of v.header ?? []) { const [k, value] = pair(row, 'header'); headers[k.toLowerCase()] = value }
    const pathParams: Record<string, string> = {}
    for (const row of v['path-param'] ?? []) { const [k, value] = pair(row, 'path-param'); pathParams[k] = value }
    if (v.user !== undefined && v['caller-jwt'] !== undefined) throw new UsageError('give either --user or --caller-jwt, not both')
    let payload = v.payload
    if (payload?.startsWith('@') === true) {
      try {
        payload = readFileSync(payload.slice(1), 'utf8')
      } catch (err) {
        throw new UsageError(`--payload: cannot read ${payload.slice(1)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
      }
    }
    return {
      permalink: parsed.positionals[0],
      query: (v.query ?? []).map(row => pair(row, 'query')),
      pathParams,
      headers,
      ...(payload === undefined ? {} : { payload }),
      ...(v.user === undefined ? {} : { user: userOf(v.user) }),
      ...(v['caller-jwt'] === undefined ? {} : { callerJwt: v['caller-jwt'] }),
      verbose: v.verbose === true,
      json: v.json === true,
      ...(v.record === undefined ? {} : { record: v.record }),
      ...(v['connect-to'] === undefined ? {} : { connectTo: connectToOf(v['connect-to']) }),
      composite: v.composite === true,
      ...(v.config === undefined ? {} : { config: v.config }),
      ...(v.registry === undefined ? {} : { registry: v.registry })
    }
  } catch (err) {
    if (err instanceof UsageError) return usageError(SPEC, err.message)
    throw err
  }
}

function print (res: TestResponse, debug: unknown, args: TestArgs): void {
  if (args.json) {
    const out: Record<string, unknown> = { status: res.status, headers: res.headers, body: res.body }
    if (args.verbose) out.debug = debug
    process.stdout.write(JSON.stringify(out, null, 2) + '\n')
    return
  }
  if (args.verbose && debug !== undefined) {
    process.stdout.write('--- request (X-Debug-Request) ---\n' + JSON.stringify(debug, null, 2) + '\n--- response ---\n')
  }
  process.stdout.write(`HTTP ${res.status}\n`)
  if (args.verbose) for (const [k, v] of Object.entries(res.headers)) process.stdout.write(`${k}: ${v}\n`)
  let body = res.body
  if (/[/+]json\b/.test(res.headers['content-type'] ?? '')) {
    try { body = JSON.stringify(JSON.parse(body), null, 2) } catch {}
  }
  process.stdout.write('\n' + body + (body.endsWith('\n') ? '' : '\n'))
}

function fail (message: string): number {
  process.stderr.write(`conduit test: ${message}\n`)
  return 1
}

async function open (args: TestArgs): Promise<{ settings: Settings, registry: Registry } | number> {
  let settings: Settings
  try {
    settings = loadSettings({ configPath: args.config, env: process.env, cwd: process.cwd() })
  } catch (err) {
    return fail(`invalid settings:\n${(err as Error).message}`)
  }
  try {
    const registry = await loadRegistry(args.registry ?? settings.registry.path, {
      allowInsecure: settings.upstream.allowInsecure, allowPrivateNetworks: settings.upstream.allowPrivateNetworks, allowPrivateHosts: settings.upstream.allowPrivateHosts
    })
    return { settings, registry }
  } catch (err) {
    const problems = (err as { problems?: RegistryProblem[] }).problems
    return fail(`invalid registry:\n${problems === undefined ? (err as Error).message : problems.map(p => '  ' + formatProblem(p)).join('\n')}`)
  }
}

export async function run (argv: string[]): Promise<number> {
  const args = parseTestArgs(argv)
  if (typeof args === 'number') return args
  const opened = await open(args)
  if (typeof opened === 'number') return opened
  const { settings, registry } = opened
  const isConnector = !args.composite && registry.connectors.has(args.permalink)
  if (!isConnector && !registry.composites.has(args.permalink)) return fail(`no ${args.composite ? 'composite connector' : 'connector'} with permalink '${args.permalink}'`)
  if (!isConnector && Object.keys(args.pathParams).length > 0) return fail('composite connectors take no path parameters')
  if (args.payload !== undefined) {
    try { JSON.parse(args.payload) } catch (err) { return fail(`--payload is not valid JSON: ${(err as Error).message}`) }
  }

  let store: SecretStore
  try {
    store = createSecretStore(settings.secrets)
  } catch (err) {
    return fail(`cannot open the secret store: ${(err as Error).message}`)
  }
  const resolver = createSecretResolver(store, settings.secrets.cache)
  const logger = createLogger({ level: 'warn', destination: pino.destination(2), secretValues: () => resolver.knownSecretValues() })
  try {
    const input: ExecuteInput = {
      permalink: args.permalink,
      queryParams: queryObject(args.query),
      pathParams: args.pathParams,
      headers: args.headers,
      ...(args.payload === undefined ? {} : { payload: args.payload }),
      ...(args.composite ? { composite: true } : {})
    }
    if (args.user !== undefined) input.user = args.user
    if (args.callerJwt !== undefined) {
      // The token is verified here and only the identity it gives is used (and recorded).
      const callers = createCallerVerifier({ callers: settings.callers })
      if (!callers.configured) return fail('--caller-jwt needs the callers.jwt settings (secret, publicKey or jwksUrl) to verify the token')
      try {
        const identity = await callers.identify(`Bearer ${args.callerJwt}`)
        input.user = { ...identity.user, tenant_id: identity.tenantId }
      } catch (err) {
        return fail((err as Error).message)
      }
    }

    if (args.record !== undefined) {
      const credential = Object.keys(args.headers).find(k => k === 'authorization' || k === 'cookie' || k === 'proxy-authorization')
      // A contract is committed to git: a caller credential would be written into it.
      if (credential !== undefined) return fail(`not recorded: a contract would keep the --header ${credential}; give the caller with --user or --caller-jwt`)
      let recording
      try {
        recording = await recordContract({ registry, settings, store, input, logger, ...(args.connectTo === undefined ? {} : { connectTo: args.connectTo }) })
      } catch (err) {
        if (err instanceof ContractError) return fail(`not recorded: ${err.message}`)
        throw err
      }
      print(recording.real, undefined, args)
      mkdirSync(dirname(args.record), { recursive: true })
      writeFileSync(args.record, JSON.stringify(recording.contract, null, 2) + '\n')
      process.stderr.write(`contract written to ${args.record} (${recording.contract.upstream.length} upstream interaction(s))\n`)
      return recording.real.status < 400 ? 0 : 1
    }

    const dispatcher = args.connectTo === undefined
      ? createUpstreamDispatcher(settings.upstream)
      : new HttpDispatcher({ guard: !settings.upstream.allowPrivateNetworks, connectTo: args.connectTo })
    try {
      const outcome = await runCall({
        registry: () => registry,
        deps: { settings, resolver, dispatcher, clock: Date.now, logger, tokenCache: new TokenCache() },
        callers: createCallerVerifier({ callers: settings.callers }),
        tenantId: settings.callers.tenantId ?? null
      }, input, { debug: args.verbose })
      print(outcome.response, outcome.debug, args)
      return outcome.response.status < 400 ? 0 : 1
    } finally {
      await dispatcher.close()
    }
  } finally {
    await store.close()
  }
}

function queryObject (pairs: Array<[string, string]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of pairs) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}
