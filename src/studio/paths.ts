// Where the Studio's views/, static/ and client/ live: the repository root, found from this module
// whether it runs from source (src/studio) or compiled (dist/src/studio).
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'views')) && existsSync(join(dir, 'static'))) return dir
    dir = resolve(dir, '..')
  }
  throw new Error('cannot find the Studio views/ and static/ folders next to the application')
}

export const PROJECT_ROOT = findRoot()
export const VIEWS_DIR = join(PROJECT_ROOT, 'views')
export const STATIC_DIR = join(PROJECT_ROOT, 'static')
export const CLIENT_DIR = join(PROJECT_ROOT, 'client')
