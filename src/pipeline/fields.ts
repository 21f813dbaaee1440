// Which fields use a secret or variable name: for the "missing name" log line of SPEC §4.4 (rare
// path, so it walks the definition instead of keeping an index).
import type { CompositeConnector, Connector, CompositeStep } from '../registry/types.js'
import type { CompiledTemplate } from '../template/types.js'

function isTemplate (v: unknown): v is CompiledTemplate {
  return typeof v === 'object' && v !== null && Array.isArray((v as CompiledTemplate).secretNames) &&
    typeof (v as CompiledTemplate).render === 'function'
}

function uses (t: CompiledTemplate, kind: 'secret' | 'variable', name: string): boolean {
  return (kind === 'secret' ? t.secretNames : t.variableNames).includes(name)
}

function fieldsOf (def: Connector | CompositeStep, kind: 'secret' | 'variable', name: string, prefix: string): string[] {
  const out: string[] = []
  if (uses(def.url, kind, name)) out.push(`${prefix}url`)
  def.headers.forEach((row, i) => { if (uses(row.value, kind, name)) out.push(`${prefix}headers[${i}].value`) })
  def.query.forEach((row, i) => { if (uses(row.value, kind, name)) out.push(`${prefix}query_parameters[${i}].value`) })
  const walk = (v: unknown, path: string): void => {
    if (isTemplate(v)) {
      if (uses(v, kind, name)) out.push(path)
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) walk(child, `${path}.${k}`)
    }
  }
  walk(def.authentication, `${prefix}authentication`)
  return out
}

export function fieldsUsing (connector: Connector, kind: 'secret' | 'variable', name: string): string[] {
  return fieldsOf(connector, kind, name, '')
}

export function compositeFieldsUsing (composite: CompositeConnector, kind: 'secret' | 'variable', name: string): string[] {
  return composite.steps.flatMap((step, i) => fieldsOf(step, kind, name, `steps[${i}].`))
}
