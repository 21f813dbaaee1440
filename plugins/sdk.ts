// Serves the client SDK (SPEC §21) at /sdk/conduit-client.js on the public listener, for browser
// widgets. `npm run build` compiles client/conduit-client.ts into dist/client/; running from
// source (tests, tsx) the module is transpiled from client/ on first request with TypeScript,
// which is then a development dependency that is present.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { ConduitError } from '../src/errors.js'
import { CLIENT_DIR, PROJECT_ROOT } from '../src/studio/paths.js'

const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts')

async function loadSdk (): Promise<string> {
  if (!FROM_SOURCE) {
    const built = await readFile(join(PROJECT_ROOT, 'dist', 'client', 'conduit-client.js'), 'utf8')
    return built.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
  }
  const source = await readFile(join(CLIENT_DIR, 'conduit-client.ts'), 'utf8')
  const ts = (await import('typescript')).default
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
    fileName: 'conduit-client.ts'
  }).outputText
}

async function sdkPlugin (fastify: FastifyInstance): Promise<void> {
  let code: Promise<string> | undefined
  fastify.get('/sdk/conduit-client.js', async (request, reply) => {
    code ??= loadSdk()
    let text: string
    try {
      text = await code
    } catch (err) {
      code = undefined
      request.log.error({ err }, 'the client SDK cannot be served: run `npm run build`')
      throw new ConduitError('NOT_FOUND', 'The client SDK is not built: run `npm run build`')
    }
    return await reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('access-control-allow-origin', '*')
      .header('x-content-type-options', 'nosniff')
      .send(text)
  })
}

export default sdkPlugin
