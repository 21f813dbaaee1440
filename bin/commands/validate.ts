// `conduit validate [PATH]` (SPEC §13): checks a registry file or directory exactly as `serve`
// would load it, with the same settings (upstream.allowInsecure, upstream.allowPrivateNetworks,
// registry.path). Exit 0 when valid (warnings still printed), 1 with every error otherwise, 2 on
// usage errors.
import { loadRegistry } from '../../src/registry/load.js'
import { RegistryError, formatProblem } from '../../src/registry/types.js'
import { SettingsError, loadSettings } from '../../src/settings/load.js'

const USAGE = 'usage: conduit validate [PATH] [--config FILE] [--allow-insecure] [--allow-private-networks]\n' +
  '  PATH                      a registry JSON file or a directory of *.json files (default: the registry.path setting)\n' +
  '  --config FILE             settings file (default: config/conduit.json when present)\n' +
  '  --allow-insecure          accept plain http URLs, as with upstream.allowInsecure\n' +
  '  --allow-private-networks  accept local and private hosts, as with upstream.allowPrivateNetworks\n'

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function usageError (message: string): number {
  process.stderr.write(`conduit validate: ${message}\n${USAGE}`)
  return 2
}

export async function run (args: string[]): Promise<number> {
  let path: string | undefined
  let configPath: string | undefined
  let allowInsecure = false
  let allowPrivateNetworks = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--help' || arg === '-h') { process.stdout.write(USAGE); return 0 }
    if (arg === '--allow-insecure') allowInsecure = true
    else if (arg === '--allow-private-networks') allowPrivateNetworks = true
    else if (arg === '--config') {
      configPath = args[++i]
      if (configPath === undefined) return usageError('--config needs a FILE')
    } else if (arg.startsWith('-') || path !== undefined) return usageError(`unexpected argument '${arg}'`)
    else path = arg
  }

  let settings
  try {
    settings = loadSettings({ configPath, env: process.env, cwd: process.cwd() })
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err
    for (const issue of err.issues) process.stderr.write(`error: ${issue}\n`)
    return 1
  }
  const registryPath = path ?? settings.registry.path
  const options = {
    allowInsecure: allowInsecure || settings.upstream.allowInsecure,
    allowPrivateNetworks: allowPrivateNetworks || settings.upstream.allowPrivateNetworks,
    allowPrivateHosts: settings.upstream.allowPrivateHosts
  }
  try {
    const registry = await loadRegistry(registryPath, options)
    for (const w of registry.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`)
    process.stdout.write(`${registryPath}: valid — ${plural(registry.connectors.size, 'connector')}, ` +
      `${plural(registry.composites.size, 'composite connector')} in ${plural(registry.sources.length, 'file')}` +
      `${registry.warnings.length > 0 ? `, ${plural(registry.warnings.length, 'warning')}` : ''}\n`)
    return 0
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err
    for (const p of err.problems) process.stderr.write(`error: ${formatProblem(p)}\n`)
    process.stderr.write(`${registryPath}: invalid — ${plural(err.problems.length, 'error')}\n`)
    return 1
  }
}
