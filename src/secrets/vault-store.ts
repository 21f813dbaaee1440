// The `vault` store (SPEC §5.1): HashiCorp Vault KV v2 through node-vault. One entry per name at
// <mount>/data/<prefix>/{secrets|variables}/<name> holding { value }. The login, token renewal,
// re-login and error mapping are the session's (vault-session.ts); this module is the KV store.
import { ConduitError } from '../errors.js'
import { assertSavable, assertValidName, duplicateNameError, isValidName, notFoundError, otherKind } from './names.js'
import type { EntryKind, SecretStore, StoreEntry } from './types.js'
import { statusOf, trimSlashes, vaultMessages, VaultSession } from './vault-session.js'
import type { VaultSettings, VaultStoreDeps } from './vault-session.js'

export { DEFAULT_KUBERNETES_JWT_FILE } from './vault-session.js'
export type { Timers, VaultSettings, VaultStoreDeps } from './vault-session.js'

const LIST_CONCURRENCY = 8
const FOLDER: Record<EntryKind, string> = { secret: 'secrets', variable: 'variables' }

export class VaultSecretStore implements SecretStore {
  readonly backend = 'vault' as const
  readonly #session: VaultSession
  readonly #base: string
  readonly #mount: string

  constructor (settings: VaultSettings, deps: VaultStoreDeps = {}) {
    this.#session = new VaultSession(settings, deps)
    this.#mount = trimSlashes(settings.mount)
    this.#base = trimSlashes(settings.prefix)
  }

  #path (section: 'data' | 'metadata', kind: EntryKind, name?: string): string {
    return [this.#mount, section, this.#base, FOLDER[kind], name].filter(part => part !== undefined && part !== '').join('/')
  }

  #dataPath (kind: EntryKind, name: string): string {
    return this.#path('data', kind, name)
  }

  #metadataPath (kind: EntryKind, name?: string): string {
    return this.#path('metadata', kind, name)
  }

  async get (kind: EntryKind, name: string): Promise<string | undefined> {
    if (!isValidName(name)) return undefined
    const doing = `reading ${kind} '${name}'`
    try {
      const res = await this.#session.withAuth(doing, () => this.#session.client.read(this.#dataPath(kind, name))) as { data?: { data?: { value?: unknown } | null } }
      const value = res.data?.data?.value
      if (typeof value !== 'string') {
        if (res.data?.data != null) this.#session.warn(`Vault entry for ${kind} '${name}' has no string field 'value'`)
        return undefined
      }
      return value
    } catch (err) {
      // 404 covers both a path never written and a latest version that was deleted (data.data null).
      if (statusOf(err) === 404) return undefined
      throw this.#asStoreError(err, doing)
    }
  }

  #asStoreError (err: unknown, doing: string, extra: readonly string[] = []): ConduitError {
    return err instanceof ConduitError ? err : this.#session.unavailable(err, doing, extra)
  }

  async #listNames (kind: EntryKind): Promise<string[]> {
    const doing = `listing ${FOLDER[kind]}`
    try {
      // LIST sent as GET ?list=true, the equivalent form in Vault's API docs: custom verbs are
      // dropped by some proxies and HTTP mocks cannot intercept them.
      const list = (): Promise<unknown> => this.#session.client.request({ ...this.#session.requestOptions, path: `/${this.#metadataPath(kind)}?list=true`, method: 'GET' })
      const res = await this.#session.withAuth(doing, list) as { data?: { keys?: unknown } }
      const keys = res.data?.keys
      return Array.isArray(keys) ? keys.filter(isValidName) : []
    } catch (err) {
      if (statusOf(err) === 404) return []
      throw this.#asStoreError(err, doing)
    }
  }

  async list (kind: EntryKind): Promise<StoreEntry[]> {
    const names = (await this.#listNames(kind)).sort()
    const values: Array<string | undefined> = new Array(names.length)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const i = next++
        values[i] = await this.get(kind, names[i] as string)
      }
    }
    await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, names.length) }, worker))
    const out: StoreEntry[] = []
    names.forEach((name, i) => {
      const value = values[i]
      if (value !== undefined) out.push({ name, value })
    })
    return out
  }

  async #write (kind: EntryKind, name: string, value: string, doing: string, options?: { cas: number }): Promise<void> {
    const body = options === undefined ? { data: { value } } : { options, data: { value } }
    try {
      await this.#session.withAuth(doing, () => this.#session.client.write(this.#dataPath(kind, name), body), [value])
    } catch (err) {
      if (options?.cas === 0 && statusOf(err) === 400 && /check-and-set/i.test(vaultMessages(err))) throw duplicateNameError(kind)
      throw this.#asStoreError(err, doing, [value])
    }
  }

  async create (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    const [mine, other] = await Promise.all([this.get(kind, name), this.get(otherKind(kind), name)])
    if (mine !== undefined || other !== undefined) throw duplicateNameError(kind)
    // cas 0: Vault itself refuses the write if another writer created the name meanwhile.
    await this.#write(kind, name, value, `creating ${kind} '${name}'`, { cas: 0 })
  }

  async update (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    if (await this.get(kind, name) === undefined) throw notFoundError(kind, name)
    await this.#write(kind, name, value, `updating ${kind} '${name}'`)
  }

  async delete (kind: EntryKind, name: string): Promise<void> {
    assertValidName(kind, name)
    if (await this.get(kind, name) === undefined) throw notFoundError(kind, name)
    const doing = `deleting ${kind} '${name}'`
    try {
      await this.#session.withAuth(doing, () => this.#session.client.delete(this.#metadataPath(kind, name)))
    } catch (err) {
      if (statusOf(err) === 404) throw notFoundError(kind, name)
      throw this.#asStoreError(err, doing)
    }
  }

  async ping (): Promise<void> {
    await this.#listNames('secret')
  }

  async close (): Promise<void> {
    this.#session.close()
  }
}

export function openVaultStore (settings: VaultSettings, deps: VaultStoreDeps = {}): VaultSecretStore {
  return new VaultSecretStore(settings, deps)
}
