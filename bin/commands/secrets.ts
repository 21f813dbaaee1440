// `conduit secrets list|set NAME|delete NAME` (SPEC §13). A secret value is read from stdin only —
// never from argv, where it would sit in shell history and the process list — and is never
// printed: `list` shows the masked form.
import { FileSecretStore } from '../../src/secrets/file-store.js'
import { maskSecret } from '../../src/secrets/mask.js'
import type { EntryKind, SecretStore } from '../../src/secrets/types.js'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'

class UsageError extends Error {}

/** The Vault client is loaded only when configured: a one-shot CLI should not pay for it otherwise. */
async function openStore (settings: Settings['secrets']): Promise<SecretStore> {
  if (settings.backend === 'vault') {
    const { VaultSecretStore } = await import('../../src/secrets/vault-store.js')
    return new VaultSecretStore(settings.vault)
  }
  return new FileSecretStore(settings.file)
}

interface Parsed { positional: string[], configPath?: string }

function parse (args: string[]): Parsed {
  const positional: string[] = []
  let configPath: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '--config') {
      configPath = args[++i]
      if (configPath === undefined) throw new UsageError('--config needs a FILE')
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length)
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`)
    } else {
      positional.push(arg)
    }
  }
  return configPath === undefined ? { positional } : { positional, configPath }
}

async function readStdin (): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Enter the value, then Ctrl-D:\n')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  // One trailing newline is what `echo` and editors add; anything else is part of the value.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
}

function label (kind: EntryKind): string {
  return kind === 'secret' ? 'Secret' : 'Variable'
}

/** Shared by `conduit secrets` and `conduit variables`; returns the exit code. */
export async function runEntries (kind: EntryKind, args: string[]): Promise<number> {
  const command = kind === 'secret' ? 'secrets' : 'variables'
  const usage = kind === 'secret'
    ? 'usage: conduit secrets list|set NAME|delete NAME [--config FILE]\n  set reads the value from stdin (one trailing newline is removed)\n'
    : 'usage: conduit variables list|set NAME VALUE|delete NAME [--config FILE]\n'
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage)
    return 0
  }
  let store: SecretStore | undefined
  try {
    const { positional, configPath } = parse(args)
    const [action, name, ...rest] = positional
    const valueArgs = kind === 'variable' && action === 'set' ? 1 : 0
    if (action === 'set' && kind === 'secret' && rest.length === 0 && positional.length > 2) throw new UsageError('unexpected argument')
    if (action === 'set' && kind === 'secret' && rest.length > 0) {
      throw new UsageError('a secret value is read from stdin, never from the command line: echo -n VALUE | conduit secrets set NAME')
    }
    if (action === undefined || !['list', 'set', 'delete'].includes(action)) throw new UsageError(action === undefined ? 'a subcommand is required' : `unknown subcommand '${action}'`)
    if (action === 'list' && name !== undefined) throw new UsageError(`unexpected argument '${name}'`)
    if (action !== 'list' && name === undefined) throw new UsageError(`${action} needs a NAME`)
    if (rest.length !== valueArgs) throw new UsageError(valueArgs === 1 && rest.length === 0 ? 'set needs a NAME and a VALUE' : `unexpected argument '${rest[valueArgs] as string}'`)

    const settings = loadSettings({ ...(configPath === undefined ? {} : { configPath }), env: process.env, cwd: process.cwd() })
    store = await openStore(settings.secrets)

    if (action === 'list') {
      const entries = await store.list(kind)
      for (const e of entries) process.stdout.write(`${e.name}\t${kind === 'secret' ? maskSecret(e.value) : e.value}\n`)
      if (entries.length === 0) process.stderr.write(`no ${command}\n`)
    } else if (action === 'set') {
      const value = kind === 'secret' ? await readStdin() : rest[0] as string
      const exists = await store.get(kind, name as string) !== undefined
      if (exists) await store.update(kind, name as string, value)
      else await store.create(kind, name as string, value)
      process.stdout.write(`${label(kind)} '${name as string}' ${exists ? 'updated' : 'created'}\n`)
    } else {
      await store.delete(kind, name as string)
      process.stdout.write(`${label(kind)} '${name as string}' deleted\n`)
    }
    return 0
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(err instanceof UsageError ? `conduit ${command}: ${message}\n${usage}` : `${message}\n`)
    return 1
  } finally {
    await store?.close()
  }
}

export async function run (args: string[]): Promise<number> {
  return await runEntries('secret', args)
}
