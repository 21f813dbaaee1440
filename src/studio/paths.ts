// Where the Studio's views/ and static/ live: the repository root, found from this module
// whether it runs from source (src/studio) or compiled (dist/src/studio).
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'views')) && existsSync(join(dir, 'static'))) return dir
    dir = resolve(dir, '..')
  }
  return undefined
}

/** Undefined when the install lacks views/ and static/ (a packaging mistake): the Studio then says so instead of starting. */
export const STUDIO_ROOT = findRoot()
export const PROJECT_ROOT = STUDIO_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const VIEWS_DIR = join(PROJECT_ROOT, 'views')
export const STATIC_DIR = join(PROJECT_ROOT, 'static')
