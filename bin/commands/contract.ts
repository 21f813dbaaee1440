// `conduit contract [DIR] [--update]` (SPEC §22): replays every *.contract.json of DIR offline with
// nock against the current registry, and compares Conduit's answer (status, safe headers, body)
// with the recorded one. Exit 0 when all match, 1 with a diff per difference; --update rewrites
// the recorded answers instead.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { loadSettings } from '../../src/settings/load.js'
import type { Settings } from '../../src/settings/types.js'
import { loadRegistry } from '../../src/registry/load.js'
import { formatProblem } from '../../src/registry/types.js'
import type { Registry, RegistryProblem } from '../../src/registry/types.js'
import { parseJson } from '../../src/registry/json.js'
import { compareAnswers, contractProblem, replayContract } from '../../src/testing/contract.js'
import type { Contract } from '../../src/testing/contract.js'
import { parseCommand } from '../cli.js'
import type { CommandSpec } from '../cli.js'

export const SPEC: CommandSpec = {
  name: 'contract',
  synopsis: '[DIR] [options]',
  summary: 'Replays every *.contract.json under DIR (recorded with `conduit test --record`) offline with nock:\n' +
    'no request leaves the machine and no secret is needed (each secret is the placeholder <secret:NAME>).\n' +
    "Conduit's answer is compared with the recorded one: status, safe headers and body.",
  positionals: [['DIR', 'directory of contracts, searched recursively (default: contracts)']],
  options: {
    update: { type: 'boolean', description: 'rewrite the recorded answers with the replayed ones' },
    config: { type: 'string', value: 'FILE', description: 'settings file (default: config/conduit.json when present)' },
    registry: { type: 'string', value: 'PATH', description: 'registry file or directory (default: the registry.path setting)' }
  },
  notes: 'exit codes: 0 every contract matches (or was updated), 1 a difference or an unreadable contract, 2 usage error'
}

interface Values { update?: boolean, config?: string, registry?: string }

function contractFiles (dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue
    const full = join(dir, entry)
    const info = statSync(full)
    if (info.isDirectory()) out.push(...contractFiles(full))
    else if (entry.endsWith('.contract.json')) out.push(full)
  }
  return out
}

function indent (text: string): string {
  return text.split('\n').map(l => '    ' + l).join('\n')
}

export async function run (argv: string[]): Promise<number> {
  const parsed = parseCommand<Values>(SPEC, argv, { max: 1 })
  if (typeof parsed === 'number') return parsed
  const dir = parsed.positionals[0] ?? 'contracts'
  const { update = false } = parsed.values

  let settings: Settings
  try {
    settings = loadSettings({ configPath: parsed.values.config, env: process.env, cwd: process.cwd() })
  } catch (err) {
    process.stderr.write(`conduit contract: invalid settings:\n${(err as Error).message}\n`)
    return 1
  }
  let registry: Registry
  try {
    registry = await loadRegistry(parsed.values.registry ?? settings.registry.path, {
      allowInsecure: settings.upstream.allowInsecure, allowPrivateNetworks: settings.upstream.allowPrivateNetworks
    })
  } catch (err) {
    const problems = (err as { problems?: RegistryProblem[] }).problems
    process.stderr.write(`conduit contract: invalid registry:\n${problems === undefined ? (err as Error).message : problems.map(p => '  ' + formatProblem(p)).join('\n')}\n`)
    return 1
  }
  let files: string[]
  try {
    files = contractFiles(dir)
  } catch (err) {
    process.stderr.write(`conduit contract: cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`)
    return 1
  }
  if (files.length === 0) {
    process.stderr.write(`conduit contract: no *.contract.json under ${dir}\n`)
    return 1
  }

  let failed = 0
  let updated = 0
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file
    const parsedFile = parseJson(readFileSync(file, 'utf8'))
    const problem = parsedFile.ok ? contractProblem(parsedFile.value) : `${parsedFile.message} (line ${parsedFile.line}, column ${parsedFile.column})`
    if (problem !== undefined) {
      failed++
      process.stdout.write(`✗ ${shown}: not a contract: ${problem}\n`)
      continue
    }
    const contract = (parsedFile as { value: Contract }).value
    const replay = await replayContract(contract, { registry, settings })
    const diff = compareAnswers(contract.response, replay.answer)
    const upstreamProblems = [
      ...replay.unmatched.map(r => `upstream request not in the contract: ${r}`),
      ...replay.unused.map(r => `recorded upstream request not made: ${r}`)
    ]
    if (diff === '' && upstreamProblems.length === 0) {
      process.stdout.write(`✓ ${shown} (${contract.connector})\n`)
      continue
    }
    if (update) {
      if (upstreamProblems.length > 0) {
        // The recorded upstream exchange no longer fits: only a new recording can fix that.
        failed++
        process.stdout.write(`✗ ${shown} (${contract.connector}): cannot update, record it again with conduit test --record\n${indent(upstreamProblems.join('\n'))}\n`)
        continue
      }
      contract.response = replay.answer
      writeFileSync(file, JSON.stringify(contract, null, 2) + '\n')
      updated++
      process.stdout.write(`↻ ${shown} (${contract.connector}): expectations updated\n${indent(diff)}\n`)
      continue
    }
    failed++
    process.stdout.write(`✗ ${shown} (${contract.connector})\n${indent([...upstreamProblems, diff].filter(s => s !== '').join('\n'))}\n`)
  }
  const summary = `${files.length} contract(s): ${files.length - failed - updated} matched${updated > 0 ? `, ${updated} updated` : ''}${failed > 0 ? `, ${failed} failed` : ''}`
  process.stdout.write(summary + '\n')
  return failed > 0 ? 1 : 0
}
