// Settings of SPEC §14. The loader (src/settings/load.ts) validates a JSON file plus CONDUIT_*
// overrides against the ajv schema and returns this fully-defaulted shape; src/ never reads
// process.env itself — the caller passes the environment in.

export type VaultAuth =
  | { method: 'token', token?: string, tokenFile?: string }
  | { method: 'approle', roleId: string, secretIdFile: string, mountPath?: string }
  | { method: 'kubernetes', role: string, jwtFile?: string, mountPath?: string }

/** Whose requests one rate-limit counter counts (SPEC §17). */
export type RateLimitKey = 'caller' | 'tenant' | 'ip' | 'global'

export interface Settings {
  server: {
    host: string
    port: number
    bodyLimit: number
    trustProxy: boolean
    requestTimeoutMs: number
    keepAliveTimeoutMs: number
    shutdownDelayMs: number
    shutdownGraceMs: number
    replicaHint: number
  }
  registry: { path: string, watch: boolean }
  secrets: {
    backend: 'file' | 'vault'
    onMissing: 'literal' | 'fail'
    cache: { ttlSeconds: number, negativeTtlSeconds: number, staleIfErrorSeconds: number, maxEntries: number }
    file: { path: string, keyFile: string, masterKey?: string }
    vault: {
      address: string
      mount: string
      prefix: string
      namespace?: string
      caCert?: string
      timeoutMs: number
      auth: VaultAuth
    }
  }
  upstream: {
    timeoutMs: number
    connectTimeoutMs: number
    maxResponseBytes: number
    allowInsecure: boolean
    allowPrivateNetworks: boolean
    /** Host names and CIDR ranges reachable although private (SPEC §19); absent when none. */
    allowPrivateHosts?: string[]
  }
  callers: {
    jwt?: { secret?: string, publicKey?: string, jwksUrl?: string, issuer?: string, audience?: string, requireExp?: boolean }
    tenantId?: string
  }
  admin: { token?: string, port?: number, host?: string }
  /** Shared state across replicas (SPEC §19); absent url = every replica keeps its own. */
  redis: { url?: string }
  /** SPEC §21: origins allowed to call the execute routes from a browser. */
  cors: { origins: string[] }
  rateLimit: { enabled: boolean, max: number, windowSeconds: number, key: RateLimitKey }
  cache: { enabled: boolean, store: 'memory' | 'redis', maxBytes: number, maxEntryBytes: number }
  metrics: { enabled: boolean, requireToken: boolean }
  tracing: { enabled: boolean, serviceName: string, endpoint?: string }
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  dataDir: string
}
