// Studio Secrets and Variables pages (SPEC §20, §5): a table of names and values (a secret shows
// its masked form only), "Add …" with the exact save errors of §5 next to the form, "Edit" with an
// empty value field (the old value is never sent to the browser) and "Delete" (confirmed).
import type { FastifyInstance, FastifyReply } from 'fastify'
import { isConduitError } from '../src/errors.js'
import { maskSecret } from '../src/secrets/mask.js'
import { assertSavable, isValidName } from '../src/secrets/names.js'
import { scrub } from '../src/secrets/redact.js'
import type { EntryKind } from '../src/secrets/types.js'
import type { StudioKit } from './studio.js'

interface Form { name?: unknown, value?: unknown }

const TITLES: Record<EntryKind, { title: string, noun: string, base: string }> = {
  secret: { title: 'Secrets', noun: 'secret', base: '/studio/secrets' },
  variable: { title: 'Variables', noun: 'variable', base: '/studio/variables' }
}

async function studioEntries (fastify: FastifyInstance, { kit }: { kit: StudioKit }): Promise<void> {
  const { store, resolver } = kit.options

  /** A store error as the message shown next to the form; values never appear in it. */
  const message = (err: unknown): string => {
    if (isConduitError(err)) return scrub(err.message, kit.knownSecrets())
    return 'Unexpected error'
  }

  for (const kind of ['secret', 'variable'] as const) {
    const { title, noun, base } = TITLES[kind]
    const shown = kind === 'secret' ? maskSecret : (value: string) => value

    const list = async (reply: FastifyReply, view: { add?: boolean, edit?: string, error?: string, name?: string, notice?: string }, status = 200): Promise<FastifyReply> => {
      let rows: Array<{ name: string, value: string }> = []
      let storeError = ''
      try {
        rows = (await kit.options.store.list(kind)).map(e => ({ name: e.name, value: shown(e.value) }))
        rows.sort((a, b) => a.name.localeCompare(b.name))
      } catch (err) {
        storeError = message(err)
      }
      const editing = view.edit !== undefined && rows.some(r => r.name === view.edit) ? view.edit : undefined
      // A variable's value is not secret: its edit field starts with it. A secret's never does.
      const editValue = kind === 'variable' && editing !== undefined ? rows.find(r => r.name === editing)?.value ?? '' : ''
      return kit.page(reply, 'entries', {
        title,
        noun,
        base,
        kind,
        rows,
        storeError,
        add: view.add === true && editing === undefined,
        edit: editing,
        editValue,
        error: view.error ?? '',
        name: view.name ?? '',
        notice: view.notice ?? ''
      }, status)
    }

    fastify.get<{ Querystring: { add?: string, edit?: string, saved?: string, deleted?: string } }>(base, async (request, reply) => {
      const q = request.query
      const notice = isValidName(q.saved) ? `Saved ${noun} '${q.saved}'` : isValidName(q.deleted) ? `Deleted ${noun} '${q.deleted}'` : ''
      return await list(reply, { add: q.add !== undefined, edit: q.edit, notice })
    })

    /** Create or update: checked, remembered for the log redactor, written, the cache told; errors shown by the form. */
    const save = async (reply: FastifyReply, op: 'create' | 'update', name: string, body: Form | undefined): Promise<FastifyReply> => {
      const value = typeof body?.value === 'string' ? body.value : ''
      try {
        assertSavable(kind, name, value)
        if (kind === 'secret') resolver.rememberSecretValue?.(value)
        await store[op](kind, name, value)
        resolver.invalidate(kind, name)
      } catch (err) {
        const shownForm = op === 'create' ? { add: true, name: name.slice(0, 255) } : { edit: name }
        return await list(reply, { ...shownForm, error: message(err) }, isConduitError(err) ? err.status : 500)
      }
      return await reply.redirect(`${base}?saved=${encodeURIComponent(name)}`, 303)
    }

    fastify.post<{ Body: Form }>(base, async (request, reply) =>
      await save(reply, 'create', typeof request.body?.name === 'string' ? request.body.name : '', request.body))

    fastify.post<{ Params: { name: string }, Body: Form }>(`${base}/:name`, async (request, reply) =>
      await save(reply, 'update', request.params.name, request.body))

    fastify.post<{ Params: { name: string } }>(`${base}/:name/delete`, async (request, reply) => {
      const { name } = request.params
      try {
        await store.delete(kind, name)
        resolver.invalidate(kind, name)
      } catch (err) {
        return await list(reply, { error: message(err) }, isConduitError(err) ? err.status : 500)
      }
      return await reply.redirect(`${base}?deleted=${encodeURIComponent(name)}`, 303)
    })
  }
}

export default studioEntries
