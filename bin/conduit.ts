#!/usr/bin/env node
// CLI entry (SPEC §13, §22). Each subcommand lives in bin/commands/<name>.ts and exports
// `run(args: string[]): Promise<number>` returning the exit code (-1: keeps running, as serve does).
import { USAGE_EXIT, packageVersion } from './cli.js'

const COMMANDS = {
  serve: 'run the gateway',
  validate: 'check a registry (and, with --check-secrets, the names it reads from the store)',
  render: 'render one template from stdin with a context file',
  test: 'call one connector or composite against the local registry and store; --record writes a contract',
  contract: 'replay the recorded contracts of a directory offline and compare the answers',
  secrets: 'list, set and delete secrets of the configured store',
  variables: 'list, set and delete variables of the configured store'
} as const
type Command = keyof typeof COMMANDS

function help (): string {
  const width = Math.max(...Object.keys(COMMANDS).map(n => n.length)) + 2
  return 'usage: conduit <command> [options]\n\n' +
    'Conduit, the connector-proxy gateway.\n\ncommands:\n' +
    Object.entries(COMMANDS).map(([name, text]) => '  ' + name.padEnd(width) + text).join('\n') +
    '\n\noptions:\n  -h, --help     show this help (conduit <command> --help: the options of a command)\n' +
    '  -v, --version  print the version\n'
}

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === '--version' || name === '-v') {
    process.stdout.write(`conduit ${packageVersion()}\n`)
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help())
    return name === undefined ? USAGE_EXIT : 0
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    process.stderr.write(`conduit: unknown command '${name}'\n${help()}`)
    return USAGE_EXIT
  }
  const mod = await import(`./commands/${name as Command}.js`) as { run: (args: string[]) => Promise<number> }
  return await mod.run(rest)
}

main(process.argv.slice(2)).then(code => {
  // serve keeps running on its own handles; other commands finish here.
  if (code !== -1) process.exitCode = code
}, (err: unknown) => {
  process.stderr.write(`conduit: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
