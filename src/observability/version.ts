// Conduit's version for `User-Agent: Conduit/<version>` (SPEC §18), read once from the package.json
// above this module (src/ when run from source, dist/src/ when built).
import { readFileSync } from 'node:fs'

function readVersion (): string {
  let dir = new URL('.', import.meta.url)
  for (let i = 0; i < 4; i++) {
    dir = new URL('..', dir)
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown, version?: unknown }
      if (pkg.name === 'conduit' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not here: one level up
    }
  }
  return '0.0.0'
}

export const CONDUIT_VERSION = readVersion()
