import { describe, expect, it } from 'vitest';
import { LruMap } from './lru-map';

describe('LruMap', () => {
  it('evicts the least recently used entry past maxSize; a read counts as a use', () => {
    const map = new LruMap<string, number>({ maxSize: 2 });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    expect(map.size).toBe(2);
  });

  it('keeps entries without a ttl however much time passes', () => {
    let now = 0;
    const map = new LruMap<string, number>({ maxSize: 10, now: () => now });
    map.set('a', 1);
    now += 365 * 24 * 3_600_000;
    expect(map.get('a')).toBe(1);
  });

  it('forgets an entry ttlMs after it was set, however often it is read', () => {
    let now = 0;
    const map = new LruMap<string, number>({ maxSize: 10, ttlMs: 1_000, now: () => now });
    map.set('a', 1);
    now = 999;
    expect(map.get('a')).toBe(1);
    now = 1_000;
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('deletes by key, by value predicate, and all at once', () => {
    const map = new LruMap<string, { ws: string }>({ maxSize: 10 });
    map.set('a', { ws: 'x' });
    map.set('b', { ws: 'y' });
    map.set('c', { ws: 'x' });
    map.deleteWhere((value) => value.ws === 'x');
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, { ws: 'y' }, undefined]);
    map.delete('b');
    expect(map.size).toBe(0);
    map.set('d', { ws: 'z' });
    map.clear();
    expect(map.get('d')).toBeUndefined();
  });
});
