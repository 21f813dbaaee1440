// The secret-store contract of SPEC §5. Stores throw ConduitError: INVALID_NAME, EMPTY_VALUE,
// DUPLICATE_NAME, NOT_FOUND (admin operations) and SECRET_STORE_UNAVAILABLE (store down).

export type EntryKind = 'secret' | 'variable'

export interface StoreEntry {
  name: string
  value: string
}

export interface SecretStore {
  readonly backend: 'file' | 'vault'
  /** undefined when the name does not exist. Throws SECRET_STORE_UNAVAILABLE when the store cannot answer. */
  get (kind: EntryKind, name: string): Promise<string | undefined>
  list (kind: EntryKind): Promise<StoreEntry[]>
  /** Names are unique across secrets and variables. */
  create (kind: EntryKind, name: string, value: string): Promise<void>
  update (kind: EntryKind, name: string, value: string): Promise<void>
  delete (kind: EntryKind, name: string): Promise<void>
  /** Resolves when the store is reachable (for /readyz). */
  ping (): Promise<void>
  close (): Promise<void>
}

/** What the pipeline needs from the request-time cache (src/secrets/cache.ts). */
export interface ResolvedValues {
  secrets: Record<string, string>
  variables: Record<string, string>
  /** Names that were looked up and do not exist. */
  missingSecrets: string[]
  missingVariables: string[]
}

export interface SecretResolver {
  /** Resolves every name in parallel, through the cache, once per request. */
  resolve (secretNames: readonly string[], variableNames: readonly string[]): Promise<ResolvedValues>
  /** Synchronous fast path: the same answer as resolve() when every name is fresh in the cache, else undefined. */
  resolveCached?(secretNames: readonly string[], variableNames: readonly string[]): ResolvedValues | undefined
  /** After an upstream 401/403: the next request re-reads these names from the store. */
  markStale (secretNames: readonly string[]): void
  /** Writes through this process's admin API invalidate at once. */
  invalidate (kind: EntryKind, name: string): void
  /** Every secret value this process has resolved, for the value-based log redactor. */
  knownSecretValues (): Iterable<string>
  /** Adds a value written through this process's admin API to knownSecretValues() at once. */
  rememberSecretValue?(value: string): void
}
