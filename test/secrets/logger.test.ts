import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger } from '../../src/secrets/logger.js'

function capture (): { lines: string[], stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString())
      cb()
    }
  })
  return { lines, stream }
}

t.test('every log line is scrubbed of the current secret values', async t => {
  const { lines, stream } = capture()
  const known = new Set<string>(['s3cr3t-value'])
  const log = createLogger({ level: 'info', destination: stream, secretValues: () => known })
  log.info({ header: 'Bearer s3cr3t-value' }, 'calling with s3cr3t-value')
  log.error(new Error('upstream said s3cr3t-value was bad'))
  known.add('added-later')
  log.warn({ nested: { deep: ['added-later'] } }, 'after rotation')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lines.length, 3)
  const all = lines.join('')
  t.notMatch(all, /s3cr3t-value|added-later/)
  t.match(JSON.parse(lines[0] as string), { header: 'Bearer [REDACTED]', msg: 'calling with [REDACTED]' })
  t.match(JSON.parse(lines[2] as string), { nested: { deep: ['[REDACTED]'] } })
})

t.test('the level setting is honoured', async t => {
  const { lines, stream } = capture()
  const log = createLogger({ level: 'warn', destination: stream, secretValues: () => [] })
  log.info('hidden')
  log.warn('shown')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(lines.length, 1)
  t.match(lines[0], /shown/)
})
