// The one logger factory: every serialized line passes through the value-based redactor before it
// reaches the destination, so no code path can log a known secret value.
import { pino } from 'pino'
import type { DestinationStream, Logger, LevelWithSilent } from 'pino'
import { scrub } from './redact.js'

export interface LoggerOptions {
  level: LevelWithSilent
  /** Defaults to stdout. */
  destination?: DestinationStream
  /** Called per line: the resolver's knownSecretValues() plus values written through admin. */
  secretValues: () => Iterable<string>
  name?: string
}

export function createLogger (options: LoggerOptions): Logger {
  const { secretValues } = options
  return pino({
    level: options.level,
    name: options.name,
    hooks: {
      streamWrite: (line: string) => scrub(line, secretValues())
    }
  }, options.destination ?? pino.destination(1))
}
