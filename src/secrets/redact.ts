// Value-based redaction (SPEC §5.3): every known secret value is replaced wherever it appears,
// including the escaped forms it takes inside a JSON log line or a URL.
export const REDACTED = '[REDACTED]'

/** The spellings a value can take in serialized text: raw, JSON-string-escaped, URL-encoded. */
export function redactionVariants (value: string): string[] {
  if (value === '') return []
  const variants = [value]
  const json = JSON.stringify(value).slice(1, -1)
  if (json !== value) variants.push(json)
  let uri: string | undefined
  try {
    uri = encodeURIComponent(value)
  } catch {
    // A lone surrogate cannot be URI-encoded; the raw and JSON forms still cover it.
  }
  if (uri !== undefined && uri !== value && uri !== json) variants.push(uri)
  return variants
}

/** Replaces every occurrence of every value (and its escaped forms) by [REDACTED]. */
export function scrub (text: string, values: Iterable<string>): string {
  let found: string[] | undefined
  for (const value of values) {
    if (value === '') continue
    for (const variant of redactionVariants(value)) {
      if (text.includes(variant)) (found ??= []).push(variant)
    }
  }
  if (found === undefined) return text
  // Longest first, so a value that contains another shorter one is replaced whole.
  found.sort((a, b) => b.length - a.length)
  let out = text
  for (const variant of found) out = out.replaceAll(variant, REDACTED)
  return out
}
