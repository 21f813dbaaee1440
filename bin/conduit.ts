#!/usr/bin/env node
// CLI entry (SPEC §13). Each subcommand lives in bin/commands/<name>.ts and exports
// `run(args: string[]): Promise<number>` returning the exit code.

const COMMANDS = ['serve', 'validate', 'render', 'test', 'secrets', 'variables'] as const
type Command = typeof COMMANDS[number]

function usage (): string {
  return `usage: conduit <${COMMANDS.join('|')}> [options]\n`
}

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage())
    return name === undefined ? 1 : 0
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    process.stderr.write(`conduit: unknown command '${name}'\n${usage()}`)
    return 1
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
