// `conduit validate [PATH]` (SPEC §13, §22): checks a registry file or directory exactly as `serve`
// would load it, with the same settings (upstream.allowInsecure, upstream.allowPrivateNetworks,
// registry.path). Exit 0 when valid (warnings still printed), 1 with every error otherwise, 2 on
// usage errors. --check-secrets also asks the configured store for every get_secret/get_variable
// name the registry uses: a misspelt name is found here, not in production.
import { loadRegistry } from '../../src/registry/load.js'
import { RegistryError, formatProblem } from '../../src/registry/types.js'
import type { Registry } from '../../src/registry/types.js'
import { SettingsError, loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { createSecretStore } from '../../src/secrets/index.js'
import type { EntryKind } from '../../src/secrets/types.js'
import { compositeFieldsUsing, fieldsUsing } from '../../src/pipeline/fields.js'
import { parseCommand, usageError } from '../cli.js'
import type { CommandSpec } from '../cli.js'

export const SPEC: CommandSpec = {
  name: 'validate',
  synopsis: '[PATH] [options]',
  summary: 'Checks a registry as `conduit serve` would load it and prints every error and warning.\n' +
    'Exit 0 when valid, 1 with every error.',
  positionals: [['PATH', 'a registry JSON file or a directory of *.json files (default: the registry.path setting)']],
  options: {
    config: { type: 'string', value: 'FILE', description: 'settings file (default: config/conduit.json when present)' },
    'allow-insecure': { type: 'boolean', description: 'accept plain http URLs, as with upstream.allowInsecure' },
    'allow-private-networks': { type: 'boolean', description: 'accept local and private hosts, as with upstream.allowPrivateNetworks' },
    'check-secrets': { type: 'boolean', description: 'report every get_secret/get_variable name the configured store lacks (warnings)' },
    strict: { type: 'boolean', description: 'with --check-secrets: a missing name is an error (exit 1)' }
  }
}

interface Values {
  config?: string
  'allow-insecure'?: boolean
  'allow-private-networks'?: boolean
  'check-secrets'?: boolean
  strict?: boolean
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

interface Use { kind: EntryKind, name: string, where: string[] }

/** Every secret and variable name of the registry, with the fields that read it. */
function namesUsed (registry: Registry): Use[] {
  const uses = new Map<string, Use>()
  const add = (kind: EntryKind, name: string, where: string): void => {
    const key = `${kind}:${name}`
    const use = uses.get(key) ?? { kind, name, where: [] }
    use.where.push(where)
    uses.set(key, use)
  }
  for (const c of registry.connectors.values()) {
    for (const name of c.secretNames) add('secret', name, `connector '${c.permalink}' › ${fieldsUsing(c, 'secret', name).join(', ')}`)
    for (const name of c.variableNames) add('variable', name, `connector '${c.permalink}' › ${fieldsUsing(c, 'variable', name).join(', ')}`)
  }
  for (const c of registry.composites.values()) {
    for (const name of new Set(c.steps.flatMap(s => s.secretNames))) add('secret', name, `composite '${c.permalink}' › ${compositeFieldsUsing(c, 'secret', name).join(', ')}`)
    for (const name of new Set(c.steps.flatMap(s => s.variableNames))) add('variable', name, `composite '${c.permalink}' › ${compositeFieldsUsing(c, 'variable', name).join(', ')}`)
  }
  return [...uses.values()]
}

/** Returns the number of missing names, or undefined when the store cannot be asked. */
async function checkSecrets (registry: Registry, settings: Settings, strict: boolean): Promise<number | undefined> {
  const uses = namesUsed(registry)
  let store
  try {
    store = createSecretStore(settings.secrets)
  } catch (err) {
    process.stderr.write(`error: cannot open the ${settings.secrets.backend} secret store: ${(err as Error).message}\n`)
    return undefined
  }
  try {
    let missing = 0
    for (const use of uses) {
      if (await store.get(use.kind, use.name) !== undefined) continue
      missing++
      process.stderr.write(`${strict ? 'error' : 'warning'}: ${use.kind} '${use.name}' is not in the ${settings.secrets.backend} store (used by ${use.where.join('; ')})\n`)
    }
    const secrets = uses.filter(u => u.kind === 'secret').length
    process.stdout.write(`checked ${plural(secrets, 'secret name')} and ${plural(uses.length - secrets, 'variable name')} against the ${settings.secrets.backend} store: ${missing === 0 ? 'all present' : `${missing} missing`}\n`)
    return missing
  } catch (err) {
    process.stderr.write(`error: the ${settings.secrets.backend} secret store cannot be read: ${(err as Error).message}\n`)
    return undefined
  } finally {
    await store.close()
  }
}

export async function run (args: string[]): Promise<number> {
  const parsed = parseCommand<Values>(SPEC, args, { max: 1 })
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  if (v.strict === true && v['check-secrets'] !== true) return usageError(SPEC, '--strict goes with --check-secrets')

  let settings
  try {
    settings = loadSettings({ configPath: v.config, env: process.env, cwd: process.cwd() })
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err
    for (const issue of err.issues) process.stderr.write(`error: ${issue}\n`)
    return 1
  }
  const registryPath = parsed.positionals[0] ?? settings.registry.path
  const options = {
    allowInsecure: v['allow-insecure'] === true || settings.upstream.allowInsecure,
    allowPrivateNetworks: v['allow-private-networks'] === true || settings.upstream.allowPrivateNetworks,
    allowPrivateHosts: settings.upstream.allowPrivateHosts
  }
  let registry: Registry
  try {
    registry = await loadRegistry(registryPath, options)
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err
    for (const p of err.problems) process.stderr.write(`error: ${formatProblem(p)}\n`)
    process.stderr.write(`${registryPath}: invalid — ${plural(err.problems.length, 'error')}\n`)
    return 1
  }
  for (const w of registry.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`)
  process.stdout.write(`${registryPath}: valid — ${plural(registry.connectors.size, 'connector')}, ` +
    `${plural(registry.composites.size, 'composite connector')} in ${plural(registry.sources.length, 'file')}` +
    `${registry.warnings.length > 0 ? `, ${plural(registry.warnings.length, 'warning')}` : ''}\n`)
  if (v['check-secrets'] !== true) return 0
  const missing = await checkSecrets(registry, settings, v.strict === true)
  if (missing === undefined) return 1
  return v.strict === true && missing > 0 ? 1 : 0
}
