// Builds dist/ when it is missing or older than any source file, so `npm start` works right after `npm ci`.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const entry = join(root, 'dist/bin/conduit.js')

function newestMtime (dir) {
  let newest = 0
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name)
    if (name.isDirectory()) newest = Math.max(newest, newestMtime(p))
    else if (name.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs)
  }
  return newest
}

const sources = ['src', 'plugins', 'bin', 'client'].map(d => join(root, d)).filter(existsSync)
const stale = !existsSync(entry) || Math.max(...sources.map(newestMtime)) > statSync(entry).mtimeMs
if (stale) {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
}
