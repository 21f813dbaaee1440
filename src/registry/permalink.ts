// Permalinks (SPEC §1): the URL slug a connector is called by.

export const PERMALINK_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
export const PERMALINK_MAX = 255

/** "Weather API" → "weather-api": lowercase, runs of anything but [a-z0-9] become one hyphen, hyphens trimmed. */
export function derivePermalink (name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '')
}

/** The problem with a permalink, or undefined when it is valid. */
export function permalinkProblem (permalink: string): string | undefined {
  if (permalink.length > PERMALINK_MAX) return `must be at most ${PERMALINK_MAX} characters (got ${permalink.length})`
  if (!PERMALINK_PATTERN.test(permalink)) {
    return `'${permalink}' is not a valid permalink: use lowercase letters and digits separated by single hyphens (pattern ^[a-z0-9]+(?:-[a-z0-9]+)*$)`
  }
  return undefined
}
