import { jsonInputIssue } from '@cariosan/protocol';
import { AppError } from './errors';

/**
 * Encodes a keyset position as an opaque cursor (base64url JSON), so clients cannot depend on
 * its shape.
 *
 * @example
 * encodeCursor(['2026-01-01T00:00:00.000Z', 'ch_…']);
 */
export function encodeCursor(position: ReadonlyArray<string | number | null>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`, checking it has `length` elements; a tampered or
 * foreign cursor is a 400 naming `cursor`.
 *
 * @example
 * const [updatedAt, id] = decodeCursor(query.cursor, 2);
 */
export function decodeCursor(cursor: string, length: number): Array<string | number | null> {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === length &&
      !jsonInputIssue(value) &&
      value.every((item) => item === null || typeof item === 'string' || typeof item === 'number')
    ) {
      return value;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('invalid_request', 'cursor: not a cursor this API returned', {
    field: 'cursor',
  });
}
