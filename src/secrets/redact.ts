// Value-based redaction (SPEC §5.3): every known secret value is replaced wherever it appears,
// including the escaped forms it takes inside a JSON log line or a URL.
//
// A value shorter than MIN_FREE_TEXT_LENGTH is not searched for in free text: a one-letter secret
// would turn every word containing that letter into `e[REDACTED]ecute`, which damages every line
// and, by its pattern, reveals the value. Such a value is masked only where a value is known to
// stand whole: as a complete JSON string (a log field holding exactly the value).
export const REDACTED = '[REDACTED]'
export const MIN_FREE_TEXT_LENGTH = 4

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
  let wholeStrings: string[] | undefined
  for (const value of values) {
    if (value === '') continue
    if (value.length < MIN_FREE_TEXT_LENGTH) {
      const quoted = JSON.stringify(value)
      if (text.includes(quoted)) (wholeStrings ??= []).push(quoted)
      continue
    }
    for (const variant of redactionVariants(value)) {
      if (text.includes(variant)) (found ??= []).push(variant)
    }
  }
  if (found === undefined && wholeStrings === undefined) return text
  let out = text
  if (found !== undefined) {
    // Longest first, so a value that contains another shorter one is replaced whole.
    found.sort((a, b) => b.length - a.length)
    for (const variant of found) out = out.replaceAll(variant, REDACTED)
  }
  for (const quoted of wholeStrings ?? []) out = out.replaceAll(quoted, JSON.stringify(REDACTED))
  return out
}
