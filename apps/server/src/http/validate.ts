import { jsonInputIssue } from '@cariosan/protocol';
import type { Context } from 'hono';
import * as v from 'valibot';
import { AppError, invalidInput } from '../lib/errors';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a JSON object body and validates it with a protocol schema. Bytes that are not UTF-8
 * and malformed JSON are `invalid_json`; anything but an object (`[]`, `"x"`, `null`) is
 * `invalid_request`; a schema failure is `invalid_request` naming the first failing field.
 *
 * @example
 * const body = await readJson(c, CreateChannelBody);
 */
export async function readJson<S extends v.GenericSchema>(
  c: Context,
  schema: S,
): Promise<v.InferOutput<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json');
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new AppError('invalid_json', 'The body is not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('invalid_json', 'The body is not valid JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AppError('invalid_request', 'The body must be a JSON object');
  }
  return parseInput(schema, raw);
}

/**
 * Validates any input (body, query, params) with a schema, throwing `invalid_request` that
 * names the failing field. Before the schema, every string is checked for what PostgreSQL
 * cannot store (NUL, lone surrogates) and nesting is bounded, whatever the schema says.
 *
 * @example
 * const query = parseInput(ListQuery, c.req.query());
 */
export function parseInput<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  name?: string,
): v.InferOutput<S> {
  const unstorable = jsonInputIssue(input);
  if (unstorable) throw invalidInput(unstorable, name);
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  throw invalidInput(result.issues[0], name);
}
