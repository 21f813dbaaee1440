// createTestGateway (SPEC §22): the pipeline of `conduit serve`, in process, for users' tests. The
// registry is loaded and compiled as serve loads it; secrets and variables come from the given
// maps; upstream traffic (token requests included) goes through Node's http/https modules, so
// nock intercepts it. The SSRF guard is off unless settings.upstream.allowPrivateNetworks is
// given as false.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import { TokenCache } from '../auth/token-cache.js'
import { loadRegistry } from '../registry/load.js'
import type { Registry } from '../registry/types.js'
import { createSecretResolver } from '../secrets/index.js'
import type { SecretStore } from '../secrets/types.js'
import { settingsFromObject } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { createCallerVerifier } from '../pipeline/caller-identity.js'
import type { PipelineLogger } from '../pipeline/types.js'
import { HttpDispatcher } from './http-dispatcher.js'
import { MemorySecretStore } from './memory-store.js'
import { runCall } from './run.js'
import type { ExecuteInput, TestResponse } from './run.js'

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

export interface TestGatewayOptions {
  /** A registry file or directory, or a registry object `{ connectors, composite_connectors }`. */
  registry: string | Record<string, unknown>
  /** Secret values by name (the secret store of the test). */
  secrets?: Record<string, string>
  variables?: Record<string, string>
  /** Settings as in config/conduit.json (validated the same way); defaults otherwise. */
  settings?: DeepPartial<Settings>
  /** Replaces the http/https transport (advanced: e.g. undici's MockAgent). */
  dispatcher?: Dispatcher
  /** Receives the pipeline's warnings (missing secrets and the like); silent by default. */
  logger?: PipelineLogger
  /** Milliseconds since the epoch, for now() and token lifetimes. */
  clock?: () => number
}

export interface TestGateway {
  execute: (input: ExecuteInput) => Promise<TestResponse>
  /** The X-Debug-Request view of the same call, as the admin test endpoint builds it. */
  executeWithDebug: (input: ExecuteInput) => Promise<TestResponse & { debug: unknown }>
  close: () => Promise<void>
}

const SILENT: PipelineLogger = { warn: () => {} }

async function registryFrom (value: TestGatewayOptions['registry'], options: { allowInsecure: boolean, allowPrivateNetworks: boolean }): Promise<Registry> {
  if (typeof value === 'string') return await loadRegistry(value, options)
  // The loader reads files; an object goes through the very same path as a temporary file.
  const dir = mkdtempSync(join(tmpdir(), 'conduit-testing-'))
  try {
    const file = join(dir, 'connectors_registry.json')
    writeFileSync(file, JSON.stringify(value, null, 2))
    return await loadRegistry(file, options)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function createTestGateway (options: TestGatewayOptions): Promise<TestGateway> {
  const given = (options.settings ?? {}) as Record<string, unknown>
  const upstream = { ...(given.upstream as Record<string, unknown> | undefined) }
  // The guard is off unless the test turns it on explicitly.
  const guard = upstream.allowPrivateNetworks === false
  upstream.allowPrivateNetworks ??= true
  const settings: Settings = settingsFromObject({ ...given, upstream }, process.cwd())
  const registry = await registryFrom(options.registry, {
    allowInsecure: settings.upstream.allowInsecure,
    allowPrivateNetworks: settings.upstream.allowPrivateNetworks
  })
  const store: SecretStore = new MemorySecretStore(options.secrets, options.variables)
  const clock = options.clock ?? Date.now
  const dispatcher = options.dispatcher ?? new HttpDispatcher({ guard })
  const ctx = {
    registry: () => registry,
    deps: {
      settings,
      resolver: createSecretResolver(store, settings.secrets.cache, clock),
      dispatcher,
      clock,
      logger: options.logger ?? SILENT,
      tokenCache: new TokenCache({ clock })
    },
    callers: createCallerVerifier({ callers: settings.callers }),
    tenantId: settings.callers.tenantId ?? null
  }
  let closed = false
  const check = (): void => { if (closed) throw new Error('the test gateway is closed') }
  return {
    async execute (input) {
      check()
      return (await runCall(ctx, input)).response
    },
    async executeWithDebug (input) {
      check()
      const outcome = await runCall(ctx, input, { debug: true })
      return { ...outcome.response, debug: outcome.debug }
    },
    async close () {
      if (closed) return
      closed = true
      if (options.dispatcher === undefined) await dispatcher.close()
    }
  }
}
