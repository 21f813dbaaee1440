// A SecretStore over two maps, for createTestGateway and contract replay: the values a test gives
// (or the `<secret:NAME>` placeholders of a contract) stand in for the real store.
import type { EntryKind, SecretStore, StoreEntry } from '../secrets/types.js'
import { assertSavable, duplicateNameError, notFoundError } from '../secrets/names.js'

export class MemorySecretStore implements SecretStore {
  readonly backend = 'file' as const
  readonly #data: Record<EntryKind, Map<string, string>>

  constructor (secrets: Record<string, string> = {}, variables: Record<string, string> = {}) {
    this.#data = { secret: new Map(Object.entries(secrets)), variable: new Map(Object.entries(variables)) }
  }

  async get (kind: EntryKind, name: string): Promise<string | undefined> {
    return this.#data[kind].get(name)
  }

  async list (kind: EntryKind): Promise<StoreEntry[]> {
    return [...this.#data[kind]].map(([name, value]) => ({ name, value }))
  }

  async create (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    if (this.#data.secret.has(name) || this.#data.variable.has(name)) throw duplicateNameError(kind)
    this.#data[kind].set(name, value)
  }

  async update (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    if (!this.#data[kind].has(name)) throw notFoundError(kind, name)
    this.#data[kind].set(name, value)
  }

  async delete (kind: EntryKind, name: string): Promise<void> {
    if (!this.#data[kind].delete(name)) throw notFoundError(kind, name)
  }

  async ping (): Promise<void> {}
  async close (): Promise<void> {}
}
