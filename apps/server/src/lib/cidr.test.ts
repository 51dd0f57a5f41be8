import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, networkOf, parseCidr, parseCidrList, parseIp } from './cidr';

describe('parseIp / formatIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:0a00:0001', '10.0.0.1'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::', '2001:db8::'],
    ['::', '::'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
  ])('%s is %s', (text, canonical) => {
    const ip = parseIp(text);
    expect(ip).toBeDefined();
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1.2.3.-1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '1:2:3:4:5:6:7::8',
    '12345::',
    'g::1',
    '1.2.3.4::',
    'localhost',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it("agrees with node:net's isIP on what is an address", () => {
    const samples = ['10.0.0.1', '::1', '::ffff:1.2.3.4', '1::', 'a:b:c:d:e:f:1:2', '1.1', ':::1'];
    for (const text of samples) expect(parseIp(text) !== undefined).toBe(isIP(text) !== 0);
  });
});

describe('parseCidr / cidrContains', () => {
  const contains = (cidr: string, address: string) =>
    cidrContains([parseCidr(cidr)!], parseIp(address)!);

  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1.2.3/8', '10.9.9.9', true],
    ['192.168.1.7', '192.168.1.7', true],
    ['192.168.1.7', '192.168.1.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '::1', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', true],
    ['::ffff:10.0.0.0/104', '10.3.0.1', true],
    ['fd00::/8', 'fd12:3456::1', true],
    ['fd00::/8', 'fe80::1', false],
    ['::1', '::1', true],
    ['::/0', '2001:db8::1', true],
    ['2001:db8::/127', '2001:db8::1', true],
    ['2001:db8::/128', '2001:db8::1', false],
  ])('%s holds %s: %s', (cidr, address, expected) => {
    expect(contains(cidr, address)).toBe(expected);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    '::ffff:10.0.0.0/80',
    'proxy',
  ])('refuses %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('parses a comma-separated list, naming the first bad entry', () => {
    const parsed = parseCidrList(' 10.0.0.0/8, fd00::/8 ,, 127.0.0.1 ');
    expect(parsed).toMatchObject({
      ok: true,
      cidrs: [{ prefix: 8 }, { prefix: 8 }, { prefix: 32 }],
    });
    expect(parseCidrList('')).toEqual({ ok: true, cidrs: [] });
    expect(parseCidrList('10.0.0.0/8, lb.internal, ::1')).toEqual({
      ok: false,
      invalid: 'lb.internal',
    });
  });

  it('names the network of an address', () => {
    expect(networkOf(parseIp('2001:db8:1:2:3:4:5:6')!, 64)).toBe('2001:db8:1:2::/64');
    expect(networkOf(parseIp('10.1.2.3')!, 32)).toBe('10.1.2.3/32');
  });
});
