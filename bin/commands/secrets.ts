// `conduit secrets list|set NAME|delete NAME` (SPEC §13). A secret value is read from stdin only —
// never from argv, where it would sit in shell history and the process list — and is never
// printed: `list` shows the masked form.
import { FileSecretStore } from '../../src/secrets/file-store.js'
import { maskSecret } from '../../src/secrets/mask.js'
import type { EntryKind, SecretStore } from '../../src/secrets/types.js'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { UsageError, helpText, readCommand, usageError } from '../cli.js'
import type { CommandSpec } from '../cli.js'

/** The Vault client is loaded only when configured: a one-shot CLI should not pay for it otherwise. */
async function openStore (settings: Settings['secrets']): Promise<SecretStore> {
  if (settings.backend === 'vault') {
    const { VaultSecretStore } = await import('../../src/secrets/vault-store.js')
    return new VaultSecretStore(settings.vault)
  }
  return new FileSecretStore(settings.file)
}

export function spec (kind: EntryKind): CommandSpec {
  const secret = kind === 'secret'
  return {
    name: secret ? 'secrets' : 'variables',
    synopsis: secret ? 'list|set NAME|delete NAME [options]' : 'list|set NAME VALUE|delete NAME [options]',
    summary: secret
      ? 'Manages the secrets of the configured store (file or vault). `set` reads the value from stdin\n' +
        '(one trailing newline is removed), never from the command line; `list` shows masked values.'
      : 'Manages the variables of the configured store (file or vault): non-sensitive values, shown in full.',
    positionals: secret
      ? [['list', 'every name with its masked value'], ['set NAME', 'create or replace NAME with the value read from stdin'], ['delete NAME', 'remove NAME']]
      : [['list', 'every name with its value'], ['set NAME VALUE', 'create or replace NAME'], ['delete NAME', 'remove NAME']],
    options: {
      config: { type: 'string', value: 'FILE', description: 'settings file (default: config/conduit.json when present)' }
    },
    notes: secret ? 'example:\n  printf %s "$KEY" | conduit secrets set weather_api_key' : 'example:\n  conduit variables set crm_host api.hubapi.com'
  }
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
  const command = spec(kind)
  let store: SecretStore | undefined
  try {
    const parsed = readCommand<{ config?: string }>(command, args)
    if (parsed === 'help') {
      process.stdout.write(helpText(command))
      return 0
    }
    const configPath = parsed.values.config
    const [action, name, ...rest] = parsed.positionals
    const valueArgs = kind === 'variable' && action === 'set' ? 1 : 0
    if (action === 'set' && kind === 'secret' && rest.length > 0) {
      throw new UsageError('a secret value is read from stdin, never from the command line: printf %s VALUE | conduit secrets set NAME')
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
      if (entries.length === 0) process.stderr.write(`no ${command.name}\n`)
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
    if (err instanceof UsageError) return usageError(command, err.message)
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  } finally {
    await store?.close()
  }
}

export async function run (args: string[]): Promise<number> {
  return await runEntries('secret', args)
}
