// `conduit variables list|set NAME VALUE|delete NAME` (SPEC §13): variables are not sensitive, so
// the value is an argument and `list` shows values in full.
import { runEntries } from './secrets.js'

export async function run (args: string[]): Promise<number> {
  return await runEntries('variable', args)
}
