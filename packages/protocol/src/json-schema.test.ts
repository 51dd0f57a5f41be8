import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { requiredKeys, toComponentSchemas } from './json-schema';

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

  it('throws on a construct JSON Schema cannot express, rather than dropping it', () => {
    expect(() => toComponentSchemas({ D: v.date() })).toThrow(/cannot be converted/);
  });
});

describe('requiredKeys', () => {
  it('lists the keys whose entries are not optional', () => {
    const Body = v.object({ a: v.string(), b: v.optional(v.string()), c: v.nullish(v.number()) });
    expect(requiredKeys(Body)).toEqual(['a']);
    expect(requiredKeys(v.string())).toEqual([]);
  });
});
