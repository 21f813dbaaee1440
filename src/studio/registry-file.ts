// Saving a connector from the Studio (SPEC §20) into the registry file: only when the registry is
// one local writable file; the new document is validated whole before anything is written, and the
// write is atomic (temp file in the same directory, fsync, rename, fsync of the directory), so the
// watcher and a crash only ever see the old file or the new one.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, lstat, open, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { parseJson } from '../registry/json.js'
import { validateRegistryText } from '../registry/load.js'
import { derivePermalink } from '../registry/permalink.js'
import type { RegistryOptions, RegistryProblem } from '../registry/types.js'

export type Writability = { writable: true } | { writable: false, reason: string }

/** Whether the Studio may save into the registry at `path`, and if not, why (shown next to Save). */
export async function registryWritability (path: string): Promise<Writability> {
  let info
  try {
    info = await lstat(path)
  } catch {
    return { writable: false, reason: 'The registry file cannot be read' }
  }
  if (info.isDirectory()) return { writable: false, reason: 'The registry is a directory of files: edit the files themselves' }
  if (info.isSymbolicLink()) return { writable: false, reason: 'The registry file is a symbolic link (a mounted ConfigMap is read-only): change it at its source' }
  if (!info.isFile()) return { writable: false, reason: 'The registry is not a regular file' }
  try {
    await access(path, constants.W_OK)
    await access(dirname(path), constants.W_OK)
  } catch {
    return { writable: false, reason: 'The registry file or its directory is not writable by Conduit' }
  }
  return { writable: true }
}

/** Writes `text` to `path` so that readers see the old content or the new, never a part. */
export async function writeFileAtomic (path: string, text: string): Promise<void> {
  const dir = dirname(path)
  // A dot name: a directory-mode registry loader never reads it.
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const mode = (await lstat(path).catch(() => undefined))?.mode ?? 0o644
  const handle = await open(temp, 'wx', mode & 0o777)
  try {
    await handle.writeFile(text, 'utf8')
    await handle.sync()
  } catch (err) {
    await handle.close()
    await unlink(temp).catch(() => {})
    throw err
  }
  await handle.close()
  try {
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => {})
    throw err
  }
  const dirHandle = await open(dir, 'r')
  try { await dirHandle.sync() } finally { await dirHandle.close() }
}

export type SaveResult =
  | { ok: true, permalink: string }
  | { ok: false, problems: RegistryProblem[] }

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function permalinkOf (def: Record<string, unknown>): string {
  if (typeof def.permalink === 'string' && def.permalink !== '') return def.permalink
  return typeof def.name === 'string' ? derivePermalink(def.name) : ''
}

/**
 * Puts `definition` (a connector, or a composite when it has `steps`) into the registry file,
 * replacing the entry whose permalink is `replaces` (a new entry is appended when absent), after
 * validating the whole resulting registry. Nothing is written when any problem is found.
 */
export async function saveDefinition (path: string, definition: unknown, replaces: string | undefined, options: RegistryOptions): Promise<SaveResult> {
  const fail = (message: string, field?: string): SaveResult => ({ ok: false, problems: [{ message, ...(field === undefined ? {} : { field }) }] })
  if (!isObject(definition)) return fail('The definition must be a JSON object')
  const writability = await registryWritability(path)
  if (!writability.writable) return fail(writability.reason)
  const parsed = parseJson(await readFile(path, 'utf8'))
  if (!parsed.ok) return { ok: false, problems: [{ file: path, message: parsed.message, line: parsed.line, column: parsed.column }] }
  if (!isObject(parsed.value)) return fail('The registry file does not hold a JSON object')
  const doc = { ...parsed.value }
  const listKey = 'steps' in definition ? 'composite_connectors' : 'connectors'
  const current = doc[listKey]
  if (current !== undefined && !Array.isArray(current)) return fail(`The registry's ${listKey} is not an array`)
  const list: unknown[] = [...(current ?? [])]
  const permalink = permalinkOf(definition)
  const index = replaces === undefined ? -1 : list.findIndex(d => isObject(d) && permalinkOf(d) === replaces)
  if (replaces !== undefined && index === -1) return fail(`'${replaces}' is no longer in the registry file: reload and open it again`)
  const clash = list.findIndex((d, i) => i !== index && isObject(d) && permalinkOf(d) === permalink)
  if (clash !== -1) return fail(`Another definition already has the permalink '${permalink}'`, 'permalink')
  if (index === -1) list.push(definition)
  else list[index] = definition
  doc[listKey] = list
  const text = JSON.stringify(doc, null, 2) + '\n'
  const checked = validateRegistryText(text, options, basename(path))
  if (checked.errors.length > 0) return { ok: false, problems: checked.errors }
  await writeFileAtomic(path, text)
  return { ok: true, permalink }
}
