// The per-request logger stand-in: its lines are pino child lines (bindings, level, redaction).
import t from 'tap'
import { Writable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { createLogger } from '../../src/secrets/logger.js'
import { lazyChildLogger } from '../../plugins/request-logger.js'

function capture (level: 'info' | 'warn'): { parent: FastifyBaseLogger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({ write (chunk: Buffer, _e, cb) { lines.push(JSON.parse(chunk.toString())); cb() } })
  const parent = createLogger({ level, destination, secretValues: () => ['sekrit-value'] }) as unknown as FastifyBaseLogger
  return { parent, lines }
}

const flush = async (): Promise<void> => await new Promise(resolve => setImmediate(resolve))

t.test('lines carry the bindings, honour the level and are redacted like the parent', async t => {
  const { parent, lines } = capture('warn')
  const log = lazyChildLogger(parent, { reqId: 'r-1' }, {})
  t.equal(log.level, 'warn')
  log.info('not at this level')
  log.warn({ detail: 'sekrit-value leaked?' }, 'something odd')
  log.error(new Error('boom'))
  await flush()
  t.equal(lines.length, 2)
  t.match(lines[0], { reqId: 'r-1', msg: 'something odd', level: 40 })
  t.notMatch(JSON.stringify(lines[0]), /sekrit-value/)
  t.match(lines[1], { reqId: 'r-1', level: 50, err: { message: 'boom' } })
})

t.test('a child of the stand-in keeps both sets of bindings; level changes reach the real child', async t => {
  const { parent, lines } = capture('info')
  const log = lazyChildLogger(parent, { reqId: 'r-2' }, {})
  log.child({ part: 'cache' }).info('from the child')
  log.level = 'error'
  log.warn('dropped')
  t.equal(log.level, 'error')
  t.equal(parent.level, 'info', 'the parent keeps its level')
  await flush()
  t.equal(lines.length, 1)
  t.match(lines[0], { reqId: 'r-2', part: 'cache', msg: 'from the child' })
})
