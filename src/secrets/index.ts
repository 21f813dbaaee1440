// Entry point of the secrets module: picks the configured store and exposes what plugins, the
// pipeline and the CLI use.
import type { Settings } from '../settings/types.js'
import { SecretCache } from './cache.js'
import type { CacheOptions } from './cache.js'
import { FileSecretStore } from './file-store.js'
import type { SecretStore } from './types.js'
import { VaultSecretStore } from './vault-store.js'
import type { VaultStoreDeps } from './vault-store.js'

export type SecretStoreDeps = VaultStoreDeps

/**
 * Opens the configured store. Synchronous: the file store checks its key and file here (a
 * FileStoreError stops start-up); the Vault store logs in on first use.
 */
export function createSecretStore (settings: Settings['secrets'], deps: SecretStoreDeps = {}): SecretStore {
  if (settings.backend === 'vault') return new VaultSecretStore(settings.vault, deps)
  return new FileSecretStore(settings.file)
}

export function createSecretResolver (store: SecretStore, cache: Settings['secrets']['cache'], now?: () => number): SecretCache {
  const options: CacheOptions = { ...cache }
  if (now !== undefined) options.now = now
  return new SecretCache(store, options)
}

export type { EntryKind, ResolvedValues, SecretResolver, SecretStore, StoreEntry } from './types.js'
export { SecretCache } from './cache.js'
export type { CacheOptions } from './cache.js'
export { FileSecretStore, FileStoreError, decodeKey } from './file-store.js'
export { VaultSecretStore, DEFAULT_KUBERNETES_JWT_FILE } from './vault-store.js'
export type { Timers, VaultStoreDeps } from './vault-store.js'
export { createLogger } from './logger.js'
export type { LoggerOptions } from './logger.js'
export { REDACTED, scrub } from './redact.js'
export { maskSecret } from './mask.js'
export {
  NAME_PATTERN, isValidName, assertSavable, assertValidName, assertNonEmptyValue,
  invalidNameError, emptyValueError, duplicateNameError, notFoundError
} from './names.js'
