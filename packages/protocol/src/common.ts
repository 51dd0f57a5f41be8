import * as v from 'valibot';
import { jsonByteLength, MAX_JSON_DEPTH } from './json-input';

/** Largest serialized `custom` object on a user or channel. */
export const MAX_CUSTOM_BYTES = 8 * 1024;

/**
 * A check that JSON stays within `maxBytes` once serialized; a value nested deeper than
 * MAX_JSON_DEPTH fails it without being serialized.
 *
 * @example
 * v.pipe(v.record(v.string(), v.unknown()), jsonWithin<Record<string, unknown>>(8192));
 */
export function jsonWithin<T>(maxBytes: number) {
  return v.check<T, string>((value) => {
    const bytes = jsonByteLength(value);
    return bytes !== undefined && bytes <= maxBytes;
  }, `must be at most ${maxBytes} bytes as JSON, nested at most ${MAX_JSON_DEPTH} deep`);
}

/**
 * Free-form JSON the customer attaches to users and channels: an object, at most 8 KiB.
 *
 * @example
 * { "plan": "pro", "tags": ["vip"] }
 */
export const CustomData = v.pipe(
  v.record(v.string(), v.unknown()),
  jsonWithin<Record<string, unknown>>(MAX_CUSTOM_BYTES),
);
export type CustomData = v.InferOutput<typeof CustomData>;

/** An ISO-8601 timestamp in responses. */
export const Timestamp = v.pipe(v.string(), v.isoTimestamp());

/** A message sequence number within a channel: 1, 2, 3 … (0 = before the first). */
export const Seq = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(0),
  v.maxValue(Number.MAX_SAFE_INTEGER),
);

/** A sequence number given in a query string. */
export const SeqParam = v.pipe(
  v.string(),
  v.regex(/^\d{1,15}$/, 'must be a non-negative integer'),
  v.transform(Number),
);

/** `limit` in a query string: 1–100, default 50. */
export const LimitParam = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^\d{1,3}$/, 'must be an integer'),
    v.transform(Number),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(100, 'must be at most 100'),
  ),
  '50',
);

/** An opaque pagination cursor (returned as `next_cursor`). */
export const Cursor = v.pipe(v.string(), v.maxLength(512, 'must be at most 512 characters'));

/**
 * A list page: the items plus `next_cursor` (null on the last page).
 *
 * @example
 * Page(User) // { items: User[], next_cursor: string | null }
 */
export function page<T extends v.GenericSchema>(item: T) {
  return v.object({ items: v.array(item), next_cursor: v.nullable(v.string()) });
}
