/**
 * A database timestamp as ISO-8601 (drivers return Date or string).
 *
 * @example
 * iso(row.created_at); // '2026-11-22T23:00:00.000Z'
 */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** `iso` for nullable columns. */
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : iso(value);
}
