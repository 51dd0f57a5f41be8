/**
 * True for PostgreSQL's unique_violation (23505), from postgres.js or PGlite.
 *
 * @example
 * try { … } catch (error) { if (isUniqueViolation(error)) return existing(); throw error; }
 */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'
  );
}
