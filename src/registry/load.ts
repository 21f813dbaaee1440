// Loading a registry from a file or a directory of *.json files (SPEC §1): all-or-nothing, with
// every problem of every definition in every file, and the same checks for text posted to
// POST /admin/connectors/validate.
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { parseJson } from './json.js'
import { RegistryError } from './types.js'
import type { CompositeConnector, Connector, Registry, RegistryOptions, RegistryProblem } from './types.js'
import { isPlainObject } from './schema.js'
import { DestinationPolicy } from '../upstream/destination-policy.js'
import {
  compileComposite, compileConnector, compileRegistryDocument, mergeDocuments,
  type CompiledDocument, type Problems
} from './validate.js'

export interface LoadOptions extends RegistryOptions {
  /** Milliseconds since the epoch, for Registry.loadedAt; Date.now when absent. */
  clock?: () => number
}

/** The registry files under `path`: the file itself, or a directory's *.json files sorted by name. */
export async function registryFiles (path: string): Promise<string[]> {
  const info = await stat(path)
  if (!info.isDirectory()) return [path]
  const files: string[] = []
  // Entries starting with '.' are skipped: a Kubernetes ConfigMap mount keeps its data in `..data`
  // and timestamped `..2024_…` directories next to the symlinks that name the real files.
  for (const entry of (await readdir(path)).sort()) {
    if (entry.startsWith('.') || !entry.endsWith('.json')) continue
    const full = join(path, entry)
    const s = await stat(full).catch(() => undefined)
    if (s?.isFile() === true) files.push(full)
  }
  return files
}

function systemMessage (err: unknown): string {
  const code = (err as { code?: unknown }).code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES') return 'permission denied'
  return err instanceof Error ? err.message : String(err)
}

/**
 * Loads and validates the whole registry. Throws RegistryError listing every problem when any
 * definition in any file is invalid; the caller keeps whatever registry it had.
 */
export async function loadRegistry (path: string, options: LoadOptions): Promise<Registry> {
  let files: string[]
  try {
    files = await registryFiles(path)
  } catch (err) {
    throw new RegistryError([{ file: path, message: `cannot read the registry: ${systemMessage(err)}` }])
  }
  if (files.length === 0) {
    throw new RegistryError([{ file: path, message: 'the registry directory has no *.json files' }])
  }
  const out: Problems = { errors: [], warnings: [] }
  const docs: CompiledDocument[] = []
  const policy = new DestinationPolicy(options)
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      out.errors.push({ file, message: `cannot read the registry file: ${systemMessage(err)}` })
      continue
    }
    const parsed = parseJson(text)
    if (!parsed.ok) {
      out.errors.push({ file, message: parsed.message, line: parsed.line, column: parsed.column })
      continue
    }
    docs.push(compileRegistryDocument(parsed.value, { options, policy, source: file }, out))
  }
  const { connectors, composites } = mergeDocuments(docs, out)
  if (out.errors.length > 0) throw new RegistryError(out.errors)
  return {
    connectors,
    composites,
    warnings: out.warnings,
    sources: files,
    loadedAt: (options.clock ?? Date.now)()
  }
}

export interface TextValidation {
  errors: RegistryProblem[]
  warnings: RegistryProblem[]
  /** What the text held when it was valid: a whole registry, or one connector or composite. */
  connectors: Connector[]
  composites: CompositeConnector[]
}

/**
 * Validates JSON text for POST /admin/connectors/validate and the test endpoint: a whole registry
 * `{ "connectors": [...] }`, a single connector object, or a single composite `{ name, steps }`.
 */
export function validateRegistryText (text: string, options: RegistryOptions, sourceName = 'request body'): TextValidation {
  const out: Problems = { errors: [], warnings: [] }
  const parsed = parseJson(text)
  if (!parsed.ok) {
    return { errors: [{ file: sourceName, message: parsed.message, line: parsed.line, column: parsed.column }], warnings: [], connectors: [], composites: [] }
  }
  const result = validateDefinitionValue(parsed.value, options, sourceName, out)
  return { ...out, ...result }
}

/** The same as validateRegistryText for an already parsed value (a JSON request body). */
export function validateDefinitionValue (value: unknown, options: RegistryOptions, sourceName: string, out: Problems): CompiledDocument {
  const ctx = { options, policy: new DestinationPolicy(options), source: sourceName }
  let doc: CompiledDocument
  if (isPlainObject(value) && !('connectors' in value) && !('composite_connectors' in value)) {
    doc = { connectors: [], composites: [] }
    if ('steps' in value) {
      const comp = compileComposite(value, 0, ctx, out)
      if (comp !== undefined) doc.composites.push(comp)
    } else {
      const conn = compileConnector(value, 0, ctx, out)
      if (conn !== undefined) doc.connectors.push(conn)
    }
  } else {
    doc = compileRegistryDocument(value, ctx, out)
    mergeDocuments([doc], out)
  }
  if (out.errors.length > 0) return { connectors: [], composites: [] }
  return doc
}
