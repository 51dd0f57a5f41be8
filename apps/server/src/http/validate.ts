import type { Context } from 'hono';
import * as v from 'valibot';
import { ApiError } from './errors';

/**
 * Reads a JSON body and validates it with a protocol schema. Malformed JSON is `invalid_json`;
 * a schema failure is `invalid_request` naming the first failing field.
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
    throw new ApiError('unsupported_media_type', 'Send the body as application/json');
  }
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = JSON.parse(text);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid_json', 'The body is not valid JSON');
  }
  return parseInput(schema, raw);
}

/**
 * Validates any input (body, query, params) with a schema, throwing `invalid_request` that
 * names the failing field.
 *
 * @example
 * const query = parseInput(ListQuery, c.req.query());
 */
export function parseInput<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  name?: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? name;
  const message = field ? `${field}: ${issue.message}` : issue.message;
  throw new ApiError('invalid_request', message, field ? { field } : {});
}
