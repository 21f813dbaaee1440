// The whole body of an upstream answer as one Buffer, for the stages that must see all of it (a
// response template, the HTTP cache). The size cap was enforced by send.ts while the bytes arrived.
import type { Readable } from 'node:stream'

export async function readBody (body: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buf = chunk as Buffer
    size += buf.length
    chunks.push(buf)
  }
  return Buffer.concat(chunks, size)
}
