// Whole registry documents (SPEC §1): `{ connectors, composite_connectors }` compiled definition by
// definition, and several documents (a registry directory) merged with duplicate permalinks reported.
import { REGISTRY_FIELDS, describe, isPlainObject } from './schema.js'
import type { CompositeConnector, Connector } from './types.js'
import type { CompileContext, Problems } from './fields.js'
import { compileComposite, compileConnector } from './validate.js'

export interface CompiledDocument {
  connectors: Connector[]
  composites: CompositeConnector[]
}

/** A whole registry document `{ connectors, composite_connectors }`. */
export function compileRegistryDocument (doc: unknown, ctx: CompileContext, out: Problems): CompiledDocument {
  const result: CompiledDocument = { connectors: [], composites: [] }
  if (!isPlainObject(doc)) {
    out.errors.push({ file: ctx.source, message: `a registry must be a JSON object { "connectors": [...], "composite_connectors": [...] }, not ${describe(doc)}` })
    return result
  }
  for (const key of Object.keys(doc)) {
    if (!(REGISTRY_FIELDS as readonly string[]).includes(key)) {
      out.warnings.push({ file: ctx.source, field: key, message: `unknown registry field '${key}' is ignored` })
    }
  }
  const list = (key: 'connectors' | 'composite_connectors'): unknown[] => {
    const v = doc[key]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      out.errors.push({ file: ctx.source, field: key, message: `must be an array, not ${describe(v)}` })
      return []
    }
    return v
  }
  list('connectors').forEach((raw, i) => {
    const conn = compileConnector(raw, i, ctx, out)
    if (conn !== undefined) result.connectors.push(conn)
  })
  list('composite_connectors').forEach((raw, i) => {
    const comp = compileComposite(raw, i, ctx, out)
    if (comp !== undefined) result.composites.push(comp)
  })
  return result
}

/**
 * Merges compiled documents, reporting duplicate permalinks. Connectors and composite connectors
 * are called at different paths (/connectors/{p} and /connectors/composite/{p}), so each kind has
 * its own permalink namespace.
 */
export function mergeDocuments (docs: CompiledDocument[], out: Problems): {
  connectors: Map<string, Connector>
  composites: Map<string, CompositeConnector>
} {
  const connectors = new Map<string, Connector>()
  const composites = new Map<string, CompositeConnector>()
  const add = <T extends { name: string, permalink: string, source: string }>(map: Map<string, T>, item: T, kind: string): void => {
    const prior = map.get(item.permalink)
    if (prior === undefined) { map.set(item.permalink, item); return }
    const where = prior.source === item.source ? '' : ` in ${prior.source}`
    out.errors.push({
      file: item.source,
      connector: item.name,
      field: 'permalink',
      message: `duplicate permalink '${item.permalink}': already used by ${kind} '${prior.name}'${where}`
    })
  }
  for (const doc of docs) {
    for (const c of doc.connectors) add(connectors, c, 'connector')
    for (const c of doc.composites) add(composites, c, 'composite connector')
  }
  return { connectors, composites }
}
