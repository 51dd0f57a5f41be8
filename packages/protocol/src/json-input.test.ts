import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { CustomData } from './common';
import { jsonByteLength, jsonInputIssue, MAX_JSON_DEPTH } from './json-input';
import { Attachments } from './messages';
import { ClientFrame } from './ws';

const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('jsonInputIssue', () => {
  it('accepts ordinary JSON', () => {
    expect(jsonInputIssue({ a: [1, 'two', { three: null }], 'é😀': true })).toBeUndefined();
  });

  it('names the field that holds a NUL, in values and in keys', () => {
    expect(jsonInputIssue({ user: { name: 'a\u0000b' } })).toEqual({
      field: 'user.name',
      message: 'must not contain NUL (\\u0000)',
    });
    expect(jsonInputIssue({ custom: { 'k\u0000': 1 } })?.field).toBe('custom');
  });

  it('finds lone surrogates but accepts paired ones', () => {
    expect(jsonInputIssue({ text: 'ok \uD83D\uDE00' })).toBeUndefined();
    for (const bad of ['\uD83D', 'x\uDE00', '\uDE00\uD83D', 'end\uD800']) {
      expect(jsonInputIssue({ list: ['fine', bad] })).toEqual({
        field: 'list.1',
        message: 'must not contain a lone UTF-16 surrogate',
      });
    }
  });

  it('refuses nesting past the bound without recursing, even 100,000 deep', () => {
    expect(jsonInputIssue(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonInputIssue(nested(MAX_JSON_DEPTH + 1))?.message).toMatch(/nested too deeply/);
    expect(jsonInputIssue({ attachments: nested(100_000) })?.field).toMatch(/^attachments(\.0)+$/);
  });
});

describe('size checks never recurse without a bound', () => {
  it('jsonByteLength is undefined for a value too deep to serialize safely', () => {
    expect(jsonByteLength({ a: 'é' })).toBe(10);
    expect(jsonByteLength(nested(10_000))).toBeUndefined();
  });

  it('CustomData and Attachments fail, not throw, on 10,000-deep values', () => {
    expect(v.safeParse(CustomData, { deep: nested(10_000) }).success).toBe(false);
    expect(v.safeParse(Attachments, [{ deep: nested(10_000) }]).success).toBe(false);
  });

  it('a send frame with 10,000-deep attachments is an issue, not a RangeError', () => {
    const frame = {
      type: 'send',
      id: 'r1',
      channel_id: 'general',
      client_id: 'c1',
      text: 'hi',
      attachments: [{ deep: nested(10_000) }],
    };
    expect(() => v.safeParse(ClientFrame, frame)).not.toThrow();
    expect(v.safeParse(ClientFrame, frame).success).toBe(false);
  });
});
