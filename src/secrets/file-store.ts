// The embedded `file` store (SPEC §5.1): one JSON document, every value sealed with AES-256-GCM
// under a fresh 12-byte IV and bound to its kind and name (additional authenticated data), so a
// value cannot be moved to another name undetected. Writes replace the file atomically.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs'
import { open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { ConduitError } from '../errors.js'
import type { Settings } from '../settings/types.js'
import { assertSavable, assertValidName, duplicateNameError, isValidName, notFoundError, otherKind } from './names.js'
import type { EntryKind, SecretStore, StoreEntry } from './types.js'

export const FILE_FORMAT_VERSION = 1
const KEY_BYTES = 32
const IV_BYTES = 12
const KEY_CHECK_TEXT = 'conduit-secrets-key-check'

interface Sealed { iv: string, tag: string, ciphertext: string }

interface FileDocument {
  version: number
  /** Proves at open that the key is the one the file was written with, even when it holds no entries. */
  keyCheck: Sealed
  secrets: Record<string, Sealed>
  variables: Record<string, Sealed>
}

export type FileStoreOptions = Settings['secrets']['file']

export interface FileStoreTuning {
  /** A lock file older than this is left over from a crashed writer and is broken. */
  lockStaleMs?: number
  /** How long a writer waits for a live lock before giving up (default: the stale time plus 5 s). */
  lockWaitMs?: number
  /** Milliseconds; injectable for tests. */
  sleep?: (ms: number) => Promise<void>
  /** Runs after a lock was judged dead and before it is broken (tests: another writer acting in between). */
  beforeBreak?: () => Promise<void>
}

const DEFAULT_LOCK_STALE_MS = 10_000
const LOCK_POLL_MS = 15

const SECTION: Record<EntryKind, 'secrets' | 'variables'> = { secret: 'secrets', variable: 'variables' }

/** A configuration or integrity problem found while opening: stops start-up or the CLI with a clear message. */
export class FileStoreError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FileStoreError'
  }
}

function seal (key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') }
}

/** Throws when the key is wrong or the entry was tampered with: GCM never yields a garbled value. */
function unseal (key: Buffer, sealed: Sealed, aad: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
  return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]).toString('utf8')
}

function aadFor (kind: EntryKind, name: string): string {
  return `conduit:v${FILE_FORMAT_VERSION}:${kind}:${name}`
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Decodes a base64 key, or explains (naming the source, never echoing the key) why it is unusable. */
export function decodeKey (text: string, source: string): Buffer {
  const trimmed = text.trim()
  if (!BASE64.test(trimmed)) throw new FileStoreError(`${source} is not valid base64 (expected base64 of exactly ${KEY_BYTES} bytes)`)
  const key = Buffer.from(trimmed, 'base64')
  if (key.length !== KEY_BYTES) {
    throw new FileStoreError(`${source} must decode to exactly ${KEY_BYTES} bytes, got ${key.length}`)
  }
  return key
}

const MASTER_KEY_SOURCE = 'CONDUIT_MASTER_KEY (settings secrets.file.masterKey)'

/** The master key, or the key file's key, creating the key file (mode 0600) on first start (`created`). */
function loadKey (options: FileStoreOptions, dataFileExists: boolean): { key: Buffer, source: string, created?: true } {
  if (options.masterKey !== undefined && options.masterKey !== '') {
    return { key: decodeKey(options.masterKey, MASTER_KEY_SOURCE), source: MASTER_KEY_SOURCE }
  }
  const source = `key file ${options.keyFile}`
  if (existsSync(options.keyFile)) return { key: decodeKey(readFileSync(options.keyFile, 'utf8'), source), source }
  if (dataFileExists) {
    // A new key could never read the existing file; make the lost key visible instead.
    throw new FileStoreError(`Key file ${options.keyFile} does not exist but secrets file ${options.path} does: restore the key file or set CONDUIT_MASTER_KEY`)
  }
  mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 })
  const key = randomBytes(KEY_BYTES)
  let fd: number
  try {
    fd = openSync(options.keyFile, 'wx', 0o600)
  } catch (err) {
    // Another process created it between the check and here: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: decodeKey(readFileSync(options.keyFile, 'utf8'), source), source }
    throw err
  }
  try {
    writeSync(fd, key.toString('base64') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return { key, source, created: true }
}

function isSealed (x: unknown): x is Sealed {
  if (typeof x !== 'object' || x === null) return false
  const s = x as Record<string, unknown>
  return typeof s.iv === 'string' && typeof s.tag === 'string' && typeof s.ciphertext === 'string'
}

function parseDocument (text: string, path: string): FileDocument {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new FileStoreError(`Secrets file ${path} is not valid JSON`)
  }
  const d = doc as Partial<FileDocument>
  if (typeof d !== 'object' || d === null || typeof d.version !== 'number') {
    throw new FileStoreError(`Secrets file ${path} has no format version`)
  }
  if (d.version !== FILE_FORMAT_VERSION) {
    throw new FileStoreError(`Secrets file ${path} has format version ${d.version}; this Conduit reads version ${FILE_FORMAT_VERSION}`)
  }
  if (!isSealed(d.keyCheck) || typeof d.secrets !== 'object' || d.secrets === null || typeof d.variables !== 'object' || d.variables === null) {
    throw new FileStoreError(`Secrets file ${path} is malformed`)
  }
  for (const section of ['secrets', 'variables'] as const) {
    for (const [name, sealed] of Object.entries(d[section] as Record<string, unknown>)) {
      if (!isValidName(name) || !isSealed(sealed)) throw new FileStoreError(`Secrets file ${path} has a malformed entry in ${section}`)
    }
  }
  return d as FileDocument
}

interface FileStamp { mtimeMs: number, size: number, ino: number }

export class FileSecretStore implements SecretStore {
  readonly backend = 'file' as const
  readonly #path: string
  readonly #key: Buffer
  readonly #keySource: string
  /** The key file this store generated on open, if it did: its owner must be told to back it up. */
  readonly createdKeyFile: string | undefined
  #doc: FileDocument
  #stamp: FileStamp | undefined
  /** Writes run one after another; reads never wait for it. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #lockPath: string
  readonly #lockStaleMs: number
  readonly #lockWaitMs: number
  readonly #sleep: (ms: number) => Promise<void>
  readonly #beforeBreak: (() => Promise<void>) | undefined
  /** What this store wrote into the lock file it holds (its nonce makes it unlike any other lock). */
  #heldLock: string | undefined

  /** Opens (or initialises) the store synchronously, so a bad key or file stops start-up at once. */
  constructor (options: FileStoreOptions, tuning: FileStoreTuning = {}) {
    this.#path = options.path
    this.#lockPath = `${options.path}.lock`
    this.#lockStaleMs = tuning.lockStaleMs ?? DEFAULT_LOCK_STALE_MS
    this.#lockWaitMs = tuning.lockWaitMs ?? this.#lockStaleMs + 5_000
    this.#sleep = tuning.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)))
    this.#beforeBreak = tuning.beforeBreak
    const exists = existsSync(options.path)
    const { key, source, created } = loadKey(options, exists)
    this.#key = key
    this.#keySource = source
    this.createdKeyFile = created === true ? options.keyFile : undefined
    if (exists) {
      const st = statSync(options.path)
      this.#doc = this.#verified(parseDocument(readFileSync(options.path, 'utf8'), options.path))
      this.#stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino }
    } else {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 })
      this.#doc = { version: FILE_FORMAT_VERSION, keyCheck: seal(key, KEY_CHECK_TEXT, 'conduit:key-check'), secrets: {}, variables: {} }
    }
  }

  #verified (doc: FileDocument): FileDocument {
    let check: string | undefined
    try {
      check = unseal(this.#key, doc.keyCheck, 'conduit:key-check')
    } catch {
      // falls through to the error below
    }
    if (check !== KEY_CHECK_TEXT) {
      throw new FileStoreError(`Cannot decrypt secrets file ${this.#path} with the key from ${this.#keySource}: wrong key`)
    }
    return doc
  }

  /** Picks up writes made by another process (the CLI while the server runs). */
  async #refresh (): Promise<void> {
    let st
    try {
      st = await stat(this.#path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw this.#unavailable('cannot read the secrets file')
    }
    const stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino }
    const prev = this.#stamp
    if (prev !== undefined && prev.mtimeMs === stamp.mtimeMs && prev.size === stamp.size && prev.ino === stamp.ino) return
    let text: string
    try {
      text = await readFile(this.#path, 'utf8')
    } catch {
      throw this.#unavailable('cannot read the secrets file')
    }
    try {
      this.#doc = this.#verified(parseDocument(text, this.#path))
    } catch (err) {
      throw this.#unavailable(err instanceof FileStoreError && err.message.includes('wrong key') ? 'the secrets file was rewritten with another key' : 'the secrets file is malformed')
    }
    this.#stamp = stamp
  }

  #unavailable (why: string): ConduitError {
    return new ConduitError('SECRET_STORE_UNAVAILABLE', `File secret store unavailable: ${why}`)
  }

  #decrypt (kind: EntryKind, name: string, sealed: Sealed): string {
    try {
      return unseal(this.#key, sealed, aadFor(kind, name))
    } catch {
      throw this.#unavailable(`${kind} '${name}' cannot be decrypted (tampered entry)`)
    }
  }

  async get (kind: EntryKind, name: string): Promise<string | undefined> {
    if (!isValidName(name)) return undefined
    await this.#refresh()
    const sealed = Object.hasOwn(this.#doc[SECTION[kind]], name) ? this.#doc[SECTION[kind]][name] : undefined
    return sealed === undefined ? undefined : this.#decrypt(kind, name, sealed)
  }

  async list (kind: EntryKind): Promise<StoreEntry[]> {
    await this.#refresh()
    const section = this.#doc[SECTION[kind]]
    return Object.keys(section).sort().map(name => ({ name, value: this.#decrypt(kind, name, section[name] as Sealed) }))
  }

  #has (kind: EntryKind, name: string): boolean {
    return Object.hasOwn(this.#doc[SECTION[kind]], name)
  }

  async create (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    await this.#mutate(doc => {
      if (this.#has(kind, name) || this.#has(otherKind(kind), name)) throw duplicateNameError(kind)
      doc[SECTION[kind]][name] = seal(this.#key, value, aadFor(kind, name))
    })
  }

  async update (kind: EntryKind, name: string, value: string): Promise<void> {
    assertSavable(kind, name, value)
    await this.#mutate(doc => {
      if (!this.#has(kind, name)) throw notFoundError(kind, name)
      doc[SECTION[kind]][name] = seal(this.#key, value, aadFor(kind, name))
    })
  }

  async delete (kind: EntryKind, name: string): Promise<void> {
    assertValidName(kind, name)
    await this.#mutate(doc => {
      if (!this.#has(kind, name)) throw notFoundError(kind, name)
      delete doc[SECTION[kind]][name]
    })
  }

  async ping (): Promise<void> {
    await this.#refresh()
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
  }

  /** Read-modify-write under the in-process write queue; the change becomes visible only once it is on disk. */
  #mutate (change: (doc: FileDocument) => void): Promise<void> {
    const run = async (): Promise<void> => {
      await this.#lock()
      try {
        await this.#refresh()
        const next: FileDocument = {
          version: FILE_FORMAT_VERSION,
          keyCheck: this.#doc.keyCheck,
          secrets: { ...this.#doc.secrets },
          variables: { ...this.#doc.variables }
        }
        change(next)
        await this.#writeAtomically(JSON.stringify(next, null, 2) + '\n')
        this.#doc = next
      } finally {
        await this.#unlock()
      }
    }
    // One queue per file for every store of this process (the server and a test's second store):
    // they never contend for the lock file among themselves, which only other processes share.
    const queued = WRITE_QUEUES.get(this.#path) ?? Promise.resolve()
    const result = queued.then(run, run)
    const settled = result.catch(() => {})
    this.#queue = settled
    WRITE_QUEUES.set(this.#path, settled)
    settled.then(() => { if (WRITE_QUEUES.get(this.#path) === settled) WRITE_QUEUES.delete(this.#path) }, () => {})
    return result
  }

  /**
   * Cross-process write lock (the CLI writing while the server runs): an exclusively created lock
   * file next to the secrets file, holding the writer's pid and host. Readers never need it, since
   * every write is an atomic rename. A lock whose writer is gone (killed with -9 mid-write) is
   * taken over at once; one whose owner cannot be checked is broken once it is older than the
   * stale time. Each lock holds a nonce, and a lock is broken only while it still holds what was
   * judged dead: two writers that judged the same dead lock at once cannot both take over, the
   * second deleting the lock the first has just created.
   */
  async #lock (): Promise<void> {
    const deadline = Date.now() + this.#lockWaitMs
    for (;;) {
      const content = `${process.pid}\n${hostname()}\n${randomBytes(12).toString('hex')}\n`
      try {
        const fh = await open(this.#lockPath, 'wx', 0o600)
        LOCKS_HELD_HERE.add(this.#lockPath)
        this.#heldLock = content
        try {
          await fh.writeFile(content, 'utf8')
        } finally {
          await fh.close()
        }
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#unavailable('cannot create the lock file')
      }
      const seen = await readLock(this.#lockPath)
      if (seen !== undefined && (Date.now() - seen.mtimeMs > this.#lockStaleMs || ownerIsGone(seen.text, this.#lockPath))) {
        // Left by a writer that died mid-write; its temp file never replaced the secrets file.
        await this.#beforeBreak?.()
        if (await this.#breakLock(seen.text)) continue
      }
      if (Date.now() > deadline) throw this.#unavailable('the secrets file is locked by another process')
      await this.#sleep(LOCK_POLL_MS)
    }
  }

  /**
   * Deletes the lock file if it still holds `judged`, under a second lock file (`.lock.break`) so
   * that the re-read and the delete are one step among writers. False when another breaker holds
   * that one; a breaker lock older than the stale time (its writer died within those few
   * milliseconds) is removed.
   */
  async #breakLock (judged: string): Promise<boolean> {
    const breakPath = this.#lockPath + '.break'
    try {
      await (await open(breakPath, 'wx', 0o600)).close()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#unavailable('cannot create the lock file')
      const st = await stat(breakPath).catch(() => undefined)
      if (st !== undefined && Date.now() - st.mtimeMs > this.#lockStaleMs) await unlink(breakPath).catch(() => {})
      return false
    }
    try {
      const now = await readLock(this.#lockPath)
      if (now !== undefined && now.text === judged) await unlink(this.#lockPath).catch(() => {})
      return true
    } finally {
      await unlink(breakPath).catch(() => {})
    }
  }

  /** Deletes the lock file only if it is still the one this store created. */
  async #unlock (): Promise<void> {
    const held = this.#heldLock
    this.#heldLock = undefined
    LOCKS_HELD_HERE.delete(this.#lockPath)
    if (held === undefined) return
    const now = await readLock(this.#lockPath)
    if (now !== undefined && now.text === held) await unlink(this.#lockPath).catch(() => {})
  }

  async #writeAtomically (text: string): Promise<void> {
    const dir = dirname(this.#path)
    const tmp = join(dir, `.${basename(this.#path)}.${randomBytes(8).toString('hex')}.tmp`)
    try {
      const fh = await open(tmp, 'wx', 0o600)
      try {
        await fh.writeFile(text, 'utf8')
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, this.#path)
    } catch {
      await unlink(tmp).catch(() => {})
      throw this.#unavailable('cannot write the secrets file')
    }
    // The rename is durable only once the directory entry is.
    const dh = await open(dir, 'r')
    try {
      await dh.sync()
    } catch {
      // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
    } finally {
      await dh.close()
    }
    const st = await stat(this.#path)
    this.#stamp = { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino }
  }
}

/** Lock files held by a store of this process (two stores may share a file, as in tests). */
const LOCKS_HELD_HERE = new Set<string>()
/** The write queue of each secrets file written by this process (see #mutate). */
const WRITE_QUEUES = new Map<string, Promise<void>>()

/** A lock file's content and age, read through one handle; undefined when there is none. */
async function readLock (lockPath: string): Promise<{ text: string, mtimeMs: number } | undefined> {
  let fh
  try {
    fh = await open(lockPath, 'r')
  } catch {
    return undefined
  }
  try {
    const st = await fh.stat()
    return { text: await fh.readFile('utf8'), mtimeMs: st.mtimeMs }
  } catch {
    return undefined
  } finally {
    await fh.close()
  }
}

/**
 * Whether the process named in a lock file is gone: same host, and either no such pid, or our own
 * pid without a store of ours holding it (a container restarted after a crash often gets the
 * same pid again). Unknown content counts as alive.
 */
function ownerIsGone (text: string, lockPath: string): boolean {
  const [pidText, host] = text.split('\n')
  const pid = Number(pidText)
  if (!Number.isSafeInteger(pid) || pid <= 0 || host !== hostname()) return false
  if (pid === process.pid) return !LOCKS_HELD_HERE.has(lockPath)
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

export function openFileStore (options: FileStoreOptions, tuning: FileStoreTuning = {}): FileSecretStore {
  return new FileSecretStore(options, tuning)
}
