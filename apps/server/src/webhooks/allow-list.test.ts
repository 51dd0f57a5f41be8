import { describe, expect, it } from 'vitest';
import { createAllowList, parseAllowEntry } from './allow-list';
import { parseIp } from './ip-address';

describe('parseAllowEntry', () => {
  it('reads names, subdomain wildcards, addresses and CIDRs, and nothing else', () => {
    expect(parseAllowEntry('Hooks.Internal.')).toEqual({
      name: 'hooks.internal',
      subdomains: false,
    });
    expect(parseAllowEntry('*.corp.example')).toEqual({ name: 'corp.example', subdomains: true });
    expect(parseAllowEntry('10.0.0.0/8')).toMatchObject({ network: { prefix: 8 } });
    expect(parseAllowEntry('[::1]')).toMatchObject({ network: { prefix: 128 } });
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ network: { prefix: 8 } });
    for (const text of ['http://x', 'host:8080', '10.0.0.0/33', '::/129', 'a b', '*', ''])
      expect(parseAllowEntry(text), text).toBeUndefined();
  });
});

describe('createAllowList', () => {
  const allow = createAllowList(['hooks.internal', '*.corp.example', '127.0.0.1', 'fd00::/8']);

  it('matches names exactly or under a wildcard domain', () => {
    expect(allow.hasName('HOOKS.internal.')).toBe(true);
    expect(allow.hasName('a.b.corp.example')).toBe(true);
    expect(allow.hasName('corp.example')).toBe(false);
    expect(allow.hasName('evil-hooks.internal')).toBe(false);
    expect(allow.hasName('hooks.internal.evil.example')).toBe(false);
  });

  it('matches addresses in listed networks, an IPv4-mapped one as its IPv4', () => {
    expect(allow.hasAddress(parseIp('127.0.0.1')!)).toBe(true);
    expect(allow.hasAddress(parseIp('::ffff:127.0.0.1')!)).toBe(true);
    expect(allow.hasAddress(parseIp('127.0.0.2')!)).toBe(false);
    expect(allow.hasAddress(parseIp('fd00::5')!)).toBe(true);
    expect(allow.hasAddress(parseIp('::7f00:1')!)).toBe(false);
  });

  it('refuses to start with an entry it cannot read', () => {
    expect(() => createAllowList(['host:8080'])).toThrow(/host:8080/);
  });
});
