import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { integerQuery, requiredKeys, toComponentSchemas } from './json-schema';

describe('toComponentSchemas', () => {
  const Item = v.object({ id: v.string() });
  const List = v.object({ items: v.array(Item), next: v.nullable(v.string()) });

  it('references named schemas under #/components/schemas', () => {
    const { List: list } = toComponentSchemas({ Item, List });
    expect(list).toEqual({
      type: 'object',
      properties: {
        items: { type: 'array', items: { $ref: '#/components/schemas/Item' } },
        next: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['items', 'next'],
    });
  });

  it('shows query strings before their transform, checks as descriptions, u-flag regexes', () => {
    const Query = v.strictObject({
      n: v.optional(v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number)), '5'),
      s: v.pipe(
        v.string(),
        v.check((x) => x !== 'no', 'must not be no'),
      ),
      e: v.pipe(v.string(), v.regex(/^[^\s]+$/u)),
    });
    expect(toComponentSchemas({ Query }).Query).toEqual({
      type: 'object',
      properties: {
        n: { type: 'string', pattern: '^\\d+$', default: '5' },
        s: { type: 'string', description: 'Must not be no' },
        e: { type: 'string', pattern: '^[^\\s]+$' },
      },
      required: ['s', 'e'],
      additionalProperties: false,
    });
  });

  it('writes the numeric entries of query objects as integers, bounds and default included', () => {
    const Query = v.strictObject({
      limit: v.optional(
        v.pipe(
          v.string(),
          v.regex(/^\d{1,3}$/),
          v.transform(Number),
          v.minValue(1),
          v.maxValue(100),
        ),
        '50',
      ),
      seq: v.pipe(v.string(), v.regex(/^\d{1,15}$/), v.transform(Number)),
      name: v.optional(v.string()),
    });
    const Body = v.strictObject({ n: Query.entries.seq });
    const { Query: query, Body: body } = toComponentSchemas(
      { Query, Body },
      { queries: new Set([Query]) },
    );
    expect(query).toEqual({
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
        seq: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999 },
        name: { type: 'string' },
      },
      required: ['seq'],
      additionalProperties: false,
    });
    // A JSON body really carries the string: only query objects are rewritten.
    expect(body!.properties!.n).toEqual({ type: 'string', pattern: '^\\d{1,15}$' });
  });

  it('throws on a construct JSON Schema cannot express, rather than dropping it', () => {
    expect(() => toComponentSchemas({ D: v.date() })).toThrow(/cannot be converted/);
  });
});

describe('integerQuery', () => {
  it('recognizes digit strings turned into numbers, and nothing else', () => {
    expect(integerQuery(v.pipe(v.string(), v.regex(/^\d+$/), v.toNumber()))).toEqual({
      type: 'integer',
      minimum: 0,
    });
    // Not digits only: could be negative or fractional, so it stays a string.
    expect(integerQuery(v.pipe(v.string(), v.regex(/^-?\d+$/), v.transform(Number)))).toBe(
      undefined,
    );
    expect(integerQuery(v.pipe(v.string(), v.regex(/^\d+$/)))).toBeUndefined();
    expect(
      integerQuery(
        v.pipe(
          v.string(),
          v.transform((x) => x.length),
        ),
      ),
    ).toBeUndefined();
    expect(integerQuery(v.number())).toBeUndefined();
  });
});

describe('requiredKeys', () => {
  it('lists the keys whose entries are not optional', () => {
    const Body = v.object({ a: v.string(), b: v.optional(v.string()), c: v.nullish(v.number()) });
    expect(requiredKeys(Body)).toEqual(['a']);
    expect(requiredKeys(v.string())).toEqual([]);
  });
});
