import { type ConversionConfig, type JsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type * as v from 'valibot';

export type { JsonSchema } from '@valibot/to-json-schema';

/** Where OpenAPI keeps reusable schemas; every `$ref` of a converted schema points here. */
export const COMPONENT_REF_PREFIX = '#/components/schemas/';

type AnySchema = v.GenericSchema;

/**
 * How the protocol's pipes render in JSON Schema (2020-12, OpenAPI 3.1's dialect).
 *
 * - `typeMode: 'input'`: what a client must send. Query params like `limit` are strings that
 *   the schema turns into numbers, so the document shows the wire form (a string with a
 *   pattern) and stops before `v.transform`. Responses have no transforms, so input = output.
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

/**
 * Converts named valibot schemas to JSON Schemas in one pass: a schema that appears (by
 * identity) among `definitions` is referenced as `#/components/schemas/<name>` wherever it is
 * nested in another one.
 *
 * @example
 * const schemas = toComponentSchemas({ User, UserPage });
 * schemas.UserPage.properties.items.items; // { $ref: '#/components/schemas/User' }
 */
export function toComponentSchemas<K extends string>(
  definitions: Record<K, AnySchema>,
): Record<K, JsonSchema> {
  const converted = toJsonSchemaDefs(definitions, CONFIG) as Record<K, JsonSchema>;
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
