import { type ConversionConfig, type JsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type * as v from 'valibot';

export type { JsonSchema } from '@valibot/to-json-schema';

/** Where OpenAPI keeps reusable schemas; every `$ref` of a converted schema points here. */
export const COMPONENT_REF_PREFIX = '#/components/schemas/';

type AnySchema = v.GenericSchema;

/**
 * How the protocol's pipes render in JSON Schema (2020-12, OpenAPI 3.1's dialect).
 *
 * - `typeMode: 'input'`: what a client must send, so an entry that is optional or has a
 *   default is not `required` (the default is written as `default`). Responses have no
 *   transforms, so input = output. Query strings are the exception: see {@link integerQuery}.
 * - `v.check` (byte limits, "text or attachments") has no JSON Schema equivalent: its message
 *   becomes part of the `description` so a reader still learns the rule.
 * - Regexes with the `u` flag keep their source: JSON Schema patterns are Unicode-aware anyway.
 * - Anything else that cannot be converted throws, so a new construct fails the tests rather
 *   than silently vanishing from the document.
 */
const CONFIG: ConversionConfig = {
  target: 'draft-2020-12',
  typeMode: 'input',
  errorMode: 'throw',
  overrideRef: ({ referenceId }) => `${COMPONENT_REF_PREFIX}${referenceId}`,
  overrideAction: ({ valibotAction, jsonSchema }) => {
    const action = valibotAction as { type: string; message?: unknown; requirement?: unknown };
    if (action.type === 'check') {
      const rule = typeof action.message === 'string' ? action.message : 'checked by the server';
      const description = jsonSchema.description ? `${jsonSchema.description}; ${rule}` : rule;
      return { ...jsonSchema, description: capitalize(description) };
    }
    if (action.type === 'regex' && action.requirement instanceof RegExp) {
      return { ...jsonSchema, pattern: action.requirement.source };
    }
    return undefined;
  },
};

/** Options of {@link toComponentSchemas}. */
export interface ComponentSchemaOptions {
  /**
   * Object schemas of query strings. Their entries that parse a string of digits into a
   * number are written as the integers they stand for (see {@link integerQuery}).
   */
  queries?: ReadonlySet<AnySchema>;
}

/**
 * Converts named valibot schemas to JSON Schemas in one pass: a schema that appears (by
 * identity) among `definitions` is referenced as `#/components/schemas/<name>` wherever it is
 * nested in another one.
 *
 * @example
 * const schemas = toComponentSchemas({ User, UserPage });
 * schemas.UserPage.properties.items.items; // { $ref: '#/components/schemas/User' }
 * toComponentSchemas({ ListUsersQuery }, { queries: new Set([ListUsersQuery]) })
 *   .ListUsersQuery.properties.limit; // { type: 'integer', minimum: 1, maximum: 100, default: 50 }
 */
export function toComponentSchemas<K extends string>(
  definitions: Record<K, AnySchema>,
  options: ComponentSchemaOptions = {},
): Record<K, JsonSchema> {
  const queries = options.queries;
  const config: ConversionConfig = queries
    ? {
        ...CONFIG,
        overrideSchema: ({ valibotSchema, jsonSchema }) =>
          queries.has(valibotSchema as AnySchema)
            ? withIntegerEntries(valibotSchema as AnySchema, jsonSchema)
            : undefined,
      }
    : CONFIG;
  const converted = toJsonSchemaDefs(definitions, config) as Record<K, JsonSchema>;
  // The converter always writes `required`; an empty list is noise in a reference.
  for (const schema of Object.values<JsonSchema>(converted)) dropEmptyRequired(schema);
  return converted;
}

/**
 * The keys a valibot object schema requires in its input: entries that are not optional.
 *
 * @example
 * requiredKeys(MarkReadBody); // ['seq']
 */
export function requiredKeys(schema: AnySchema): string[] {
  const entries = (schema as { entries?: Record<string, { type: string }> }).entries ?? {};
  const optional = new Set(['optional', 'exact_optional', 'nullish']);
  return Object.keys(entries).filter((key) => !optional.has(entries[key]!.type));
}

type PipeItem = { kind: string; type: string; requirement?: unknown; operation?: unknown };

/** `^\d+$` or `^\d{1,15}$`: digits only, with at most this many. */
const DIGITS = /^\^\\d(?:\{1,(\d+)\}|\+)\$$/;

/**
 * The integer a query string entry stands for, or undefined when it is not one: a string
 * checked by a digits-only regex, then `v.transform(Number)` (or `v.toNumber()`). The bounds
 * are the `minValue`/`maxValue` after the transform, else what the regex allows
 * (`^\d{1,15}$` → 0 … 999999999999999). The server still parses the string; a client
 * generated from the document sends a number, which is the same characters in a URL.
 *
 * @example
 * integerQuery(v.pipe(v.string(), v.regex(/^\d{1,3}$/), v.transform(Number), v.maxValue(100)));
 * // { type: 'integer', minimum: 0, maximum: 100 }
 */
export function integerQuery(schema: AnySchema): JsonSchema | undefined {
  const pipe = (schema as { pipe?: PipeItem[] }).pipe;
  if (pipe?.[0]?.type !== 'string') return undefined;
  const at = pipe.findIndex(
    (item) => item.type === 'to_number' || (item.type === 'transform' && item.operation === Number),
  );
  if (at === -1) return undefined;
  const digits = pipe
    .slice(1, at)
    .map((item) =>
      item.type === 'regex' ? DIGITS.exec((item.requirement as RegExp).source) : null,
    )
    .find((match) => match !== null);
  if (!digits) return undefined;
  const after = pipe.slice(at + 1);
  const bound = (type: string) =>
    after.findLast((item) => item.type === type)?.requirement as number | undefined;
  const maximum = bound('max_value') ?? (digits[1] ? 10 ** Number(digits[1]) - 1 : undefined);
  return {
    type: 'integer',
    minimum: bound('min_value') ?? 0,
    ...(maximum === undefined ? {} : { maximum }),
  };
}

/** A query object's JSON Schema with its integer entries written as integers. */
function withIntegerEntries(schema: AnySchema, jsonSchema: JsonSchema): JsonSchema {
  const entries = (schema as { entries?: Record<string, AnySchema> }).entries ?? {};
  const properties = { ...(jsonSchema.properties as Record<string, JsonSchema>) };
  for (const [key, entry] of Object.entries(entries)) {
    const wrapped = entry as unknown as { type: string; wrapped?: AnySchema; default?: unknown };
    const optional = wrapped.type === 'optional' || wrapped.type === 'exact_optional';
    const integer = integerQuery(optional ? wrapped.wrapped! : entry);
    if (!integer || !properties[key]) continue;
    const { type: _type, pattern: _pattern, default: fallback, ...rest } = properties[key]!;
    properties[key] = {
      ...rest,
      ...integer,
      ...(fallback === undefined ? {} : { default: Number(fallback) }),
    };
  }
  return { ...jsonSchema, properties };
}

function dropEmptyRequired(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  const record = schema as Record<string, unknown>;
  if (Array.isArray(record.required) && record.required.length === 0) delete record.required;
  for (const value of Object.values(record)) {
    if (Array.isArray(value)) value.forEach(dropEmptyRequired);
    else dropEmptyRequired(value);
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
