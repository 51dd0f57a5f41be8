import { describe, expect, it } from 'vitest';
import { inCidr, ipv4At, parseCidr, parseIp } from './ip-address';

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : bytes);

describe('parseIp', () => {
  it('reads IPv4 and every IPv6 text form into bytes', () => {
    expect([...parseIp('10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    const loopback6 = '00000000000000000000000000000001';
    expect(hex(parseIp('::1'))).toBe(loopback6);
    expect(hex(parseIp('0:0:0:0:0:0:0:1'))).toBe(loopback6);
    expect(hex(parseIp('::'))).toBe('0'.repeat(32));
    const mapped = '00000000000000000000ffff7f000001';
    expect(hex(parseIp('::ffff:127.0.0.1'))).toBe(mapped);
    expect(hex(parseIp('::FFFF:7F00:1'))).toBe(mapped);
    expect(hex(parseIp('::127.0.0.1'))).toBe('0000000000000000000000007f000001');
    expect(hex(parseIp('2002:7f00:1::'))).toBe('20027f00000100000000000000000000');
    expect(hex(parseIp('fe80::1%eth0'))).toBe('fe800000000000000000000000000001');
    expect(hex(parseIp('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
  });

  it('refuses what is not an address', () => {
    for (const text of ['example.com', '127.1', '1.2.3.256', ':::', '1::2::3', '']) {
      expect(parseIp(text), text).toBeUndefined();
    }
  });
});

describe('parseCidr and inCidr', () => {
  it('matches the first prefix bits only, within one family', () => {
    const ten = parseCidr('10.0.0.0/8')!;
    expect(inCidr(parseIp('10.255.1.2')!, ten)).toBe(true);
    expect(inCidr(parseIp('11.0.0.0')!, ten)).toBe(false);
    expect(inCidr(parseIp('::ffff:10.0.0.1')!, ten)).toBe(false);
    const cgnat = parseCidr('100.64.0.0/10')!;
    expect(inCidr(parseIp('100.127.255.255')!, cgnat)).toBe(true);
    expect(inCidr(parseIp('100.128.0.0')!, cgnat)).toBe(false);
    expect(inCidr(parseIp('fd12::1')!, parseCidr('fc00::/7')!)).toBe(true);
    expect(inCidr(parseIp('1.2.3.4')!, parseCidr('0.0.0.0/0')!)).toBe(true);
    expect(parseCidr('127.0.0.1')).toMatchObject({ prefix: 32 });
    for (const text of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/8/8', '::/129', 'x/8']) {
      expect(parseCidr(text), text).toBeUndefined();
    }
  });

  it('takes the IPv4 address out of an IPv6 one', () => {
    expect([...ipv4At(parseIp('2002:c0a8:101::')!, 2)]).toEqual([192, 168, 1, 1]);
  });
});
