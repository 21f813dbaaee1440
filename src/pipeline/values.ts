// Secrets and variables of one request (SPEC §4.4, §5.2): every name resolved once, in parallel,
// through the cache; missing names logged by connector, field and name (never a value), and with
// secrets.onMissing 'fail' the request stops before anything is sent.
import { ConduitError } from '../errors.js'
import type { ResolvedValues } from '../secrets/types.js'
import type { ExecuteDeps } from './types.js'

export interface ValueOwner {
  permalink: string
  secretNames: readonly string[]
  variableNames: readonly string[]
}

const NONE: ResolvedValues = Object.freeze({ secrets: {}, variables: {}, missingSecrets: [], missingVariables: [] }) as ResolvedValues

export async function resolveValues<O extends ValueOwner> (
  owner: O,
  fieldsUsing: (owner: O, kind: 'secret' | 'variable', name: string) => string[],
  deps: ExecuteDeps
): Promise<ResolvedValues> {
  if (owner.secretNames.length === 0 && owner.variableNames.length === 0) return NONE
  return checkMissing(owner, fieldsUsing, deps, await deps.resolver.resolve(owner.secretNames, owner.variableNames))
}

/** resolveValues without an await when every name is fresh in the cache; undefined otherwise. */
export function resolveValuesCached<O extends ValueOwner> (
  owner: O,
  fieldsUsing: (owner: O, kind: 'secret' | 'variable', name: string) => string[],
  deps: ExecuteDeps
): ResolvedValues | undefined {
  if (owner.secretNames.length === 0 && owner.variableNames.length === 0) return NONE
  const values = deps.resolver.resolveCached?.(owner.secretNames, owner.variableNames)
  return values === undefined ? undefined : checkMissing(owner, fieldsUsing, deps, values)
}

function checkMissing<O extends ValueOwner> (
  owner: O,
  fieldsUsing: (owner: O, kind: 'secret' | 'variable', name: string) => string[],
  deps: ExecuteDeps,
  values: ResolvedValues
): ResolvedValues {
  if (values.missingSecrets.length > 0 || values.missingVariables.length > 0) {
    const missing: string[] = []
    for (const [kind, names] of [['secret', values.missingSecrets], ['variable', values.missingVariables]] as const) {
      for (const name of names) {
        const fields = fieldsUsing(owner, kind, name)
        deps.logger.warn({ connector: owner.permalink, field: fields.join(', '), [kind]: name }, `${kind} not found`)
        deps.metrics?.missingValue(owner.permalink, kind)
        missing.push(`${kind} '${name}' (used in ${fields.join(', ')})`)
      }
    }
    if (deps.settings.secrets.onMissing === 'fail') {
      throw new ConduitError('SECRET_NOT_FOUND', `Not found in the secret store: ${missing.join('; ')}`, {
        params: [...values.missingSecrets, ...values.missingVariables]
      })
    }
  }
  return values
}
