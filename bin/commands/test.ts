// `conduit test PERMALINK [--query k=v]… [--path-param k=v]… [--header k=v]… [--payload @file]
// [--verbose] [--json]` (SPEC §13): test connection against the local registry and secret store.
import { readFileSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { pino } from 'pino'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { createLogger, createSecretResolver, createSecretStore } from '../../src/secrets/index.js'
import { loadRegistry } from '../../src/registry/load.js'
import { formatProblem } from '../../src/registry/types.js'
import type { RegistryProblem } from '../../src/registry/types.js'
import { createUpstreamDispatcher } from '../../src/upstream/dispatcher.js'
import { TokenCache } from '../../src/auth/token-cache.js'
import { ConduitError, toEnvelope } from '../../src/errors.js'
import { execute } from '../../src/pipeline/execute.js'
import { buildDebugView } from '../../src/pipeline/debug-view.js'
import type { DebugView } from '../../src/pipeline/debug-view.js'
import { ANONYMOUS_USER } from '../../src/callers/identity.js'
import { CallTiming, requestIdFrom } from '../../src/pipeline/timing.js'
import type { Call } from '../../src/pipeline/types.js'

const USAGE = 'usage: conduit test PERMALINK [--query k=v]... [--path-param k=v]... [--header k=v]... [--payload @file|JSON] [--verbose] [--json] [--config FILE] [--registry PATH]\n'

export interface TestArgs {
  permalink: string
  query: Array<[string, string]>
  pathParams: Record<string, string>
  headers: Record<string, string>
  payload?: string
  verbose: boolean
  json: boolean
  config?: string
  registry?: string
}

function pair (text: string, option: string): [string, string] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new Error(`${option} takes key=value, not '${text}'`)
  return [text.slice(0, eq), text.slice(eq + 1)]
}

export function parseTestArgs (args: string[]): TestArgs {
  let permalink: string | undefined
  const out: Omit<TestArgs, 'permalink'> = { query: [], pathParams: {}, headers: {}, verbose: false, json: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const value = (): string => {
      const v = args[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    switch (arg) {
      case '--query': out.query.push(pair(value(), arg)); break
      case '--path-param': { const [k, v] = pair(value(), arg); out.pathParams[k] = v; break }
      case '--header': { const [k, v] = pair(value(), arg); out.headers[k.toLowerCase()] = v; break }
      case '--payload': {
        const v = value()
        out.payload = v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v
        break
      }
      case '--verbose': case '-v': out.verbose = true; break
      case '--json': out.json = true; break
      case '--config': out.config = value(); break
      case '--registry': out.registry = value(); break
      default:
        if (arg.startsWith('-') || permalink !== undefined) throw new Error(`unexpected argument '${arg}'`)
        permalink = arg
    }
  }
  if (permalink === undefined) throw new Error('PERMALINK is required')
  return { permalink, ...out }
}

interface Outcome {
  status: number
  headers: Record<string, string>
  body: string
  debug: DebugView
}

async function readBody (body: Buffer | string | Readable): Promise<string> {
  if (typeof body === 'string') return body
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  const chunks: Buffer[] = []
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

function print (o: Outcome, args: TestArgs): void {
  if (args.json) {
    const out: Record<string, unknown> = { status: o.status, headers: o.headers, body: o.body }
    if (args.verbose) out.debug = o.debug
    process.stdout.write(JSON.stringify(out, null, 2) + '\n')
    return
  }
  if (args.verbose) {
    process.stdout.write('--- request (X-Debug-Request) ---\n' + JSON.stringify(o.debug, null, 2) + '\n--- response ---\n')
  }
  process.stdout.write(`HTTP ${o.status}\n`)
  if (args.verbose) for (const [k, v] of Object.entries(o.headers)) process.stdout.write(`${k}: ${v}\n`)
  process.stdout.write('\n' + o.body + (o.body.endsWith('\n') ? '' : '\n'))
}

export async function run (argv: string[]): Promise<number> {
  let args: TestArgs
  try {
    args = parseTestArgs(argv)
  } catch (err) {
    process.stderr.write(`conduit test: ${(err as Error).message}\n${USAGE}`)
    return 1
  }
  let settings: Settings
  try {
    settings = loadSettings({ configPath: args.config, env: process.env, cwd: process.cwd() })
  } catch (err) {
    process.stderr.write(`conduit test: invalid settings:\n${(err as Error).message}\n`)
    return 1
  }
  const registryOptions = { allowInsecure: settings.upstream.allowInsecure, allowPrivateNetworks: settings.upstream.allowPrivateNetworks, allowPrivateHosts: settings.upstream.allowPrivateHosts }
  let registry
  try {
    registry = await loadRegistry(args.registry ?? settings.registry.path, registryOptions)
  } catch (err) {
    const problems = (err as { problems?: RegistryProblem[] }).problems
    process.stderr.write(`conduit test: invalid registry:\n${problems === undefined ? (err as Error).message : problems.map(p => '  ' + formatProblem(p)).join('\n')}\n`)
    return 1
  }
  const connector = registry.connectors.get(args.permalink)
  if (connector === undefined) {
    process.stderr.write(`conduit test: no connector with permalink '${args.permalink}'\n`)
    return 1
  }

  let bodyRaw: unknown
  if (args.payload !== undefined) {
    try {
      bodyRaw = JSON.parse(args.payload)
    } catch (err) {
      process.stderr.write(`conduit test: --payload is not valid JSON: ${(err as Error).message}\n`)
      return 1
    }
  }

  let store
  try {
    store = createSecretStore(settings.secrets)
  } catch (err) {
    process.stderr.write(`conduit test: cannot open the secret store: ${(err as Error).message}\n`)
    return 1
  }
  const resolver = createSecretResolver(store, settings.secrets.cache)
  const logger = createLogger({ level: 'warn', destination: pino.destination(2), secretValues: () => resolver.knownSecretValues() })
  const dispatcher = createUpstreamDispatcher(settings.upstream)
  const timing = new CallTiming()
  const requestId = requestIdFrom(undefined)
  const call: Call = {
    method: connector.method,
    query: args.query,
    headers: args.headers,
    pathParams: args.pathParams,
    bodyText: args.payload,
    bodyRaw,
    user: ANONYMOUS_USER,
    tenantId: settings.callers.tenantId ?? null,
    requestId,
    timing,
    debug: {}
  }
  const deps = { settings, resolver, dispatcher, clock: Date.now, logger, tokenCache: new TokenCache() }
  let code = 0
  try {
    const result = await execute(connector, call, deps)
    const body = await readBody(result.body)
    print({ status: result.status, headers: { ...result.headers, ...timing.headers(requestId) }, body, debug: buildDebugView(connector, call, Date.now) }, args)
    code = result.status < 400 ? 0 : 1
  } catch (err) {
    if (!(err instanceof ConduitError)) logger.error({ err }, 'unexpected error')
    const { status, body } = toEnvelope(err, requestId)
    print({ status, headers: timing.headers(requestId), body: JSON.stringify(body, null, 2), debug: buildDebugView(connector, call, Date.now) }, args)
    code = 1
  } finally {
    await dispatcher.close()
    await store.close()
  }
  return code
}
