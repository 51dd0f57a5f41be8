import { describe, expect, it } from 'vitest';
import { type Cidr, parseCidrList } from '../lib/cidr';
import { resolveClientAddress, throttleSubject } from './client-address';

const cidrs = (text: string): Cidr[] => {
  const parsed = parseCidrList(text);
  if (!parsed.ok) throw new Error(parsed.invalid);
  return parsed.cidrs;
};

describe('resolveClientAddress', () => {
  const proxies = cidrs('10.0.0.0/8, fd00::/8');

  it.each<[string, string, string | undefined, readonly Cidr[], string]>([
    ['no trusted proxies: the header is ignored', '203.0.113.7', '198.51.100.1', [], '203.0.113.7'],
    [
      'an untrusted peer: the header is ignored',
      '203.0.113.7',
      '198.51.100.1',
      proxies,
      '203.0.113.7',
    ],
    ['a trusted peer without the header is the client', '10.0.0.2', undefined, proxies, '10.0.0.2'],
    ['one trusted hop', '10.0.0.2', '198.51.100.1', proxies, '198.51.100.1'],
    [
      'trusted hops are skipped from the right',
      '10.0.0.2',
      '198.51.100.1, 10.1.1.1, 10.2.2.2',
      proxies,
      '198.51.100.1',
    ],
    [
      'what the client wrote left of its own address is not believed',
      '10.0.0.2',
      '1.1.1.1, 198.51.100.1',
      proxies,
      '198.51.100.1',
    ],
    ['every hop trusted: the leftmost', '10.0.0.2', '10.9.9.9,10.8.8.8', proxies, '10.9.9.9'],
    [
      'garbage stops the walk at the last trusted hop',
      '10.0.0.2',
      '198.51.100.1, unknown',
      proxies,
      '10.0.0.2',
    ],
    ['IPv6 hops, canonical text', 'fd00::1', '2001:DB8:0:0::7', proxies, '2001:db8::7'],
    [
      'an IPv4-mapped peer is its IPv4 address',
      '::ffff:10.0.0.2',
      '198.51.100.1',
      proxies,
      '198.51.100.1',
    ],
    ['a peer that is not an address is kept as is', 'weird', '198.51.100.1', proxies, 'weird'],
  ])('%s', (_, peer, forwardedFor, trusted, expected) => {
    expect(resolveClientAddress(peer, forwardedFor, trusted)).toBe(expected);
  });
});

describe('throttleSubject', () => {
  it('counts IPv4 addresses one by one and IPv6 by /64', () => {
    expect(throttleSubject('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(throttleSubject('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(throttleSubject('2001:db8:1:2:bbbb::2')).toBe('2001:db8:1:2::/64');
    expect(throttleSubject('local')).toBe('local');
  });
});
