// Masked display of a secret (SPEC §5): the first character then a fixed run of bullets, so the
// display length says nothing about the value's length. A one-character value shows no character.
export const MASK_BULLETS = '••••••••'

export function maskSecret (value: string): string {
  const first = value.codePointAt(0)
  if (first === undefined) return MASK_BULLETS
  const firstChar = String.fromCodePoint(first)
  if (firstChar.length === value.length) return MASK_BULLETS
  return firstChar + MASK_BULLETS
}
