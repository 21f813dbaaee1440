// Naming and save-error rules of SPEC §5, shared by both stores, the admin API and the CLI so the
// exact messages live in one place.
import { ConduitError } from '../errors.js'
import type { EntryKind } from './types.js'

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/
/** SPEC §16: names are at most 255 characters. */
export const MAX_NAME_LENGTH = 255

export const KINDS: readonly EntryKind[] = ['secret', 'variable']

export function isValidName (name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name)
}

export function otherKind (kind: EntryKind): EntryKind {
  return kind === 'secret' ? 'variable' : 'secret'
}

function capitalised (kind: EntryKind): string {
  return kind === 'secret' ? 'Secret' : 'Variable'
}

export function invalidNameError (kind: EntryKind): ConduitError {
  return new ConduitError('INVALID_NAME', `Invalid ${kind} name`)
}

export function emptyValueError (kind: EntryKind): ConduitError {
  return new ConduitError('EMPTY_VALUE', `Empty ${kind} value`)
}

export function duplicateNameError (kind: EntryKind): ConduitError {
  return new ConduitError('DUPLICATE_NAME', `Duplicate ${kind} name`)
}

/** The name is echoed back: it passed the name rule, so it is plain identifier text. */
export function notFoundError (kind: EntryKind, name: string): ConduitError {
  return new ConduitError('NOT_FOUND', `${capitalised(kind)} '${name}' not found`)
}

export function assertValidName (kind: EntryKind, name: unknown): asserts name is string {
  if (!isValidName(name)) throw invalidNameError(kind)
}

/** A value made only of whitespace counts as empty: it is almost always a paste mistake. */
export function assertNonEmptyValue (kind: EntryKind, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') throw emptyValueError(kind)
}

/** Checks for create and update, in the order the user sees them: name first, then value. */
export function assertSavable (kind: EntryKind, name: unknown, value: unknown): void {
  assertValidName(kind, name)
  assertNonEmptyValue(kind, value)
}
