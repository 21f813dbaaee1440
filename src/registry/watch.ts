// Watching the registry (SPEC §1) and holding the current one. A Kubernetes ConfigMap mount
// updates by atomically replacing its `..data` symlink, so the file's own inode never changes and
// a watch on the file would go quiet after the first swap: we watch the directory instead and
// compare the content, so a swap, an editor's rename-over or an in-place write all count once.
import { createHash } from 'node:crypto'
import { watch as fsWatch, statSync, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { loadRegistry, registryFiles, type LoadOptions } from './load.js'
import { RegistryError, type Registry, type RegistryProblem } from './types.js'

export interface WatchOptions {
  /** Quiet time before a burst of events counts as one change. */
  debounceMs?: number
  /** How long to wait before re-establishing a watch that failed (its directory went away). */
  retryMs?: number
}

export interface Watcher {
  /** Resolves once the watch is in place and the current content is known; changes after it are reported. */
  readonly ready: Promise<void>
  close (): void
}

async function fingerprint (path: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for (const file of await registryFiles(path)) {
      hash.update(file).update('\0').update(await readFile(file)).update('\0')
    }
  } catch (err) {
    hash.update(`unreadable:${(err as { code?: string }).code ?? String(err)}`)
  }
  return hash.digest('hex')
}

/**
 * Calls onChange (debounced) whenever the registry file or directory at `path` changes content.
 * If the watched directory itself is removed or replaced, the watch is re-established on the new one.
 */
export function watchRegistry (path: string, onChange: () => void, options: WatchOptions = {}): Watcher {
  const debounceMs = options.debounceMs ?? 100
  const retryMs = options.retryMs ?? 1000
  let isDir = false
  try { isDir = statSync(path).isDirectory() } catch { /* missing now: watch the parent for it */ }
  const dir = isDir ? path : dirname(path)
  const name = basename(path)
  // In file mode, only the file itself or the ConfigMap's `..data` machinery matter.
  const relevant = (filename: string | null): boolean =>
    isDir || filename === null || filename === name || filename.startsWith('..')

  let closed = false
  let watcher: FSWatcher | undefined
  let watchedDir: string | undefined
  let selfEvent = false
  const dirName = basename(dir)
  let debounce: NodeJS.Timeout | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let last: Promise<string> = fingerprint(path)

  const identity = (): string | undefined => {
    try {
      const s = statSync(dir)
      return `${s.dev}:${s.ino}`
    } catch {
      return undefined
    }
  }
  const stop = (): void => {
    watcher?.close()
    watcher = undefined
  }
  const start = (): void => {
    if (closed) return
    stop()
    selfEvent = false
    watchedDir = identity()
    if (watchedDir === undefined) { retry(); return }
    try {
      watcher = fsWatch(dir, (_event, filename) => {
        const f = filename === null ? null : String(filename)
        // Linux reports the removal or move of the watched directory under its own name; the
        // inode number alone cannot tell, since a new directory may reuse it at once.
        if (f === dirName) selfEvent = true
        if (selfEvent || relevant(f)) schedule()
      })
      watcher.on('error', () => { stop(); retry() })
    } catch {
      retry()
    }
  }
  const retry = (): void => {
    if (closed) return
    clearTimeout(retryTimer)
    retryTimer = setTimeout(() => { start(); schedule() }, retryMs)
  }
  const check = (): void => {
    if (closed) return
    // An event about the directory itself: it went away or was replaced, and the old watch is dead.
    if (selfEvent || identity() !== watchedDir || watcher === undefined) start()
    const previous = last
    const next = fingerprint(path)
    last = next
    Promise.all([previous, next]).then(([a, b]) => {
      if (!closed && a !== b) onChange()
    }, () => {})
  }
  const schedule = (): void => {
    if (closed) return
    clearTimeout(debounce)
    debounce = setTimeout(check, debounceMs)
  }
  start()
  return {
    ready: last.then(() => {}),
    close () {
      closed = true
      clearTimeout(debounce)
      clearTimeout(retryTimer)
      stop()
    }
  }
}

export type ReloadResult =
  | { ok: true, registry: Registry }
  | { ok: false, problems: RegistryProblem[] }

export interface RegistryHolderCallbacks {
  /** A registry was loaded (first load or a successful reload). */
  onLoad?: (registry: Registry) => void
  /** A reload failed; the previous registry stays in service. */
  onReloadError?: (problems: RegistryProblem[]) => void
}

export interface RegistryHolder {
  /** The registry in service. Requests take it once and keep that object to the end. */
  readonly current: Registry | undefined
  /** The problems of the last reload when it failed (the registry in service is then stale); undefined after a good load. */
  readonly lastError?: RegistryProblem[]
  /** First load: throws RegistryError when the registry is invalid. */
  load (): Promise<Registry>
  /** Loads again; swaps only on success. Overlapping calls run one after the other. */
  reload (): Promise<ReloadResult>
  /** Reloads on every change of the registry on disk; closed by close(). */
  watch (options?: WatchOptions): Watcher
  close (): void
  /** Told of every later load and reload, success or failure (metrics, SPEC §18). */
  onResult?: (listener: (result: ReloadResult) => void) => void
}

function problemsOf (err: unknown): RegistryProblem[] {
  if (err instanceof RegistryError) return err.problems
  return [{ message: `cannot load the registry: ${err instanceof Error ? err.message : String(err)}` }]
}

export function createRegistryHolder (path: string, options: LoadOptions, callbacks: RegistryHolderCallbacks = {}): RegistryHolder {
  let current: Registry | undefined
  let lastError: RegistryProblem[] | undefined
  let queue: Promise<unknown> = Promise.resolve()
  const watchers: Watcher[] = []
  const listeners: Array<(result: ReloadResult) => void> = []
  const tell = (result: ReloadResult): ReloadResult => {
    for (const listener of listeners) listener(result)
    return result
  }

  const reloadNow = async (): Promise<ReloadResult> => {
    try {
      const registry = await loadRegistry(path, options)
      current = registry
      lastError = undefined
      callbacks.onLoad?.(registry)
      return tell({ ok: true, registry })
    } catch (err) {
      const problems = problemsOf(err)
      lastError = problems
      callbacks.onReloadError?.(problems)
      return tell({ ok: false, problems })
    }
  }

  const holder: RegistryHolder = {
    get current () { return current },
    get lastError () { return lastError },
    async load () {
      let registry
      try {
        registry = await loadRegistry(path, options)
      } catch (err) {
        tell({ ok: false, problems: problemsOf(err) })
        throw err
      }
      current = registry
      callbacks.onLoad?.(registry)
      tell({ ok: true, registry })
      return registry
    },
    reload () {
      const run = queue.then(reloadNow, reloadNow)
      queue = run
      return run
    },
    watch (watchOptions) {
      const w = watchRegistry(path, () => { holder.reload().catch(() => {}) }, watchOptions)
      watchers.push(w)
      return w
    },
    close () {
      for (const w of watchers.splice(0)) w.close()
    },
    onResult (listener) {
      listeners.push(listener)
    }
  }
  return holder
}
