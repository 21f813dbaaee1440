// The one description of every setting (SPEC §14): ajv validates and fills defaults with it, and
// the loader walks it to derive the CONDUIT_* environment variable of each key.

export interface SchemaNode {
  type?: 'object' | 'string' | 'integer' | 'boolean' | 'array'
  description?: string
  properties?: Record<string, SchemaNode>
  /** Element schema of an array (an environment variable gives one as a comma-separated list). */
  items?: SchemaNode
  required?: string[]
  additionalProperties?: boolean
  default?: unknown
  enum?: readonly string[]
  const?: string
  minimum?: number
  maximum?: number
  minLength?: number
  pattern?: string
  oneOf?: SchemaNode[]
  discriminator?: { propertyName: string }
}

const nonEmpty = { type: 'string', minLength: 1 } as const
const httpUrl = { type: 'string', pattern: '^https?://[^\\s]+$', description: 'an http:// or https:// URL' } as const
const positiveInt = (def: number): SchemaNode => ({ type: 'integer', minimum: 1, default: def })
const nonNegativeInt = (def: number): SchemaNode => ({ type: 'integer', minimum: 0, default: def })

function section (properties: Record<string, SchemaNode>, extra: Partial<SchemaNode> = {}): SchemaNode {
  return { type: 'object', additionalProperties: false, default: {}, properties, ...extra }
}

const vaultAuth: SchemaNode = {
  type: 'object',
  default: { method: 'token' },
  discriminator: { propertyName: 'method' },
  required: ['method'],
  // An auth object without a method (e.g. only CONDUIT_SECRETS_VAULT_AUTH_TOKEN_FILE set) is token auth.
  properties: { method: { type: 'string', default: 'token' } },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      properties: { method: { const: 'token' }, token: nonEmpty, tokenFile: nonEmpty }
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'roleId', 'secretIdFile'],
      properties: { method: { const: 'approle' }, roleId: nonEmpty, secretIdFile: nonEmpty, mountPath: nonEmpty }
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'role'],
      properties: { method: { const: 'kubernetes' }, role: nonEmpty, jwtFile: nonEmpty, mountPath: nonEmpty }
    }
  ]
}

export const settingsSchema: SchemaNode = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: section({
      host: { ...nonEmpty, default: '127.0.0.1' },
      port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
      bodyLimit: positiveInt(1048576),
      trustProxy: { type: 'boolean', default: false },
      // SPEC §19: a whole incoming request, body included, within this time (no slowloris).
      requestTimeoutMs: positiveInt(30000),
      // Above the idle timeouts of common load balancers (60 s), so they close first.
      keepAliveTimeoutMs: positiveInt(72000),
      shutdownDelayMs: nonNegativeInt(5000),
      shutdownGraceMs: positiveInt(30000),
      // How many replicas the deployment runs (set by the manifests); only used for warnings.
      replicaHint: positiveInt(1)
    }),
    registry: section({
      path: { ...nonEmpty, default: 'config/connectors_registry.json' },
      watch: { type: 'boolean', default: true }
    }),
    secrets: section({
      backend: { type: 'string', enum: ['file', 'vault'], default: 'file' },
      onMissing: { type: 'string', enum: ['literal', 'fail'], default: 'literal' },
      cache: section({
        ttlSeconds: nonNegativeInt(60),
        negativeTtlSeconds: nonNegativeInt(5),
        staleIfErrorSeconds: nonNegativeInt(3600),
        maxEntries: positiveInt(10000)
      }),
      // path and keyFile default under dataDir, which the loader knows only after validation.
      file: section({ path: nonEmpty, keyFile: nonEmpty, masterKey: nonEmpty }),
      vault: section({
        address: { ...httpUrl, default: 'http://127.0.0.1:8200' },
        mount: { ...nonEmpty, default: 'secret' },
        prefix: { type: 'string', default: 'conduit' },
        namespace: nonEmpty,
        caCert: nonEmpty,
        timeoutMs: positiveInt(5000),
        auth: vaultAuth
      })
    }),
    upstream: section({
      timeoutMs: positiveInt(15000),
      connectTimeoutMs: positiveInt(5000),
      maxResponseBytes: positiveInt(10485760),
      allowInsecure: { type: 'boolean', default: false },
      allowPrivateNetworks: { type: 'boolean', default: false },
      // SPEC §19: names and ranges reachable although private (src/upstream/destination-policy.ts).
      // From the environment: a comma-separated list.
      allowPrivateHosts: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'a list of host names and CIDR ranges (e.g. ["db.internal", "10.20.0.0/16"])'
      }
    }),
    callers: section({
      jwt: {
        type: 'object',
        additionalProperties: false,
        properties: {
          secret: nonEmpty,
          publicKey: nonEmpty,
          jwksUrl: httpUrl,
          issuer: nonEmpty,
          audience: nonEmpty,
          requireExp: { type: 'boolean', default: true }
        }
      },
      tenantId: nonEmpty
    }),
    admin: section({
      token: nonEmpty,
      // When set, the admin API, /metrics and the Studio listen only on this port (SPEC §19).
      port: { type: 'integer', minimum: 0, maximum: 65535 },
      host: nonEmpty
    }),
    redis: section({
      url: { type: 'string', pattern: '^rediss?://[^\\s]+$', description: 'a redis:// or rediss:// URL' }
    }),
    // SPEC §17: the default limit of every connector; a connector's `rate_limit` overrides it.
    rateLimit: section({
      enabled: { type: 'boolean', default: false },
      max: positiveInt(100),
      windowSeconds: positiveInt(60),
      key: { type: 'string', enum: ['caller', 'tenant', 'ip', 'global'], default: 'caller' }
    }),
    // SPEC §8.
    cache: section({
      enabled: { type: 'boolean', default: true },
      store: { type: 'string', enum: ['memory', 'redis'], default: 'memory' },
      maxBytes: positiveInt(64 * 1024 * 1024),
      maxEntryBytes: positiveInt(1024 * 1024)
    }),
    // SPEC §18.
    metrics: section({
      enabled: { type: 'boolean', default: true },
      requireToken: { type: 'boolean', default: false }
    }),
    tracing: section({
      enabled: { type: 'boolean', default: false },
      serviceName: { ...nonEmpty, default: 'conduit' },
      /** OTLP/HTTP traces endpoint; OTEL_EXPORTER_OTLP_ENDPOINT also turns tracing on. */
      endpoint: httpUrl
    }),
    logLevel: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    // SPEC §21: origins whose browser pages may call the execute routes; none by default.
    cors: section({ origins: { type: 'array', default: [], items: { type: 'string', pattern: '^(\\*|https?://[^/\\s]+)$', description: "an origin like https://app.example.com (scheme, host, optional port; no path) or '*'" } } }),
    dataDir: { ...nonEmpty, default: './data' }
  }
}

/** Settings holding file-system paths: relative values are resolved against the working directory. */
export const PATH_SETTINGS: readonly string[] = [
  'registry.path',
  'secrets.file.path',
  'secrets.file.keyFile',
  'secrets.vault.caCert',
  'secrets.vault.auth.tokenFile',
  'secrets.vault.auth.secretIdFile',
  'secrets.vault.auth.jwtFile',
  'dataDir'
]

export interface LeafSetting {
  /** Dotted key path, e.g. `upstream.timeoutMs`. */
  path: string
  env: string
  node: SchemaNode
}

export function envName (path: string): string {
  return 'CONDUIT_' + path.split('.').map(seg => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')
}

/** Every leaf key of the schema with its environment variable; oneOf branches contribute the union of their keys. */
export function leafSettings (schema: SchemaNode = settingsSchema): LeafSetting[] {
  const out = new Map<string, LeafSetting>()
  const walk = (node: SchemaNode, path: string[]): void => {
    const props: Record<string, SchemaNode> = { ...node.properties }
    for (const branch of node.oneOf ?? []) Object.assign(props, branch.properties)
    if (node.type === 'object' || node.oneOf !== undefined) {
      for (const [key, child] of Object.entries(props)) {
        // A oneOf tag (`const`) is a string leaf whose allowed values are the branch tags.
        walk(child, [...path, key])
      }
      return
    }
    const dotted = path.join('.')
    if (!out.has(dotted)) out.set(dotted, { path: dotted, env: envName(dotted), node: nodeAt(path, schema) ?? node })
  }
  walk(schema, [])
  return [...out.values()]
}

/** The schema node at a dotted path (looking into oneOf branches), for error messages and coercion. */
export function nodeAt (path: string[], schema: SchemaNode = settingsSchema): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema
  for (const key of path) {
    if (node === undefined) return undefined
    let next: SchemaNode | undefined = node.items ?? node.properties?.[key]
    if ((next === undefined || node.discriminator?.propertyName === key) && node.oneOf !== undefined) {
      const tags: SchemaNode[] = node.oneOf.map(b => b.properties?.[key]).filter((n): n is SchemaNode => n !== undefined)
      if (tags.length > 0 && tags.every(n => n.const !== undefined)) {
        next = { type: 'string', enum: tags.map(n => n.const as string) }
      } else {
        next = tags[0]
      }
    }
    node = next
  }
  return node
}
