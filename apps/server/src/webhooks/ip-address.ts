import { isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

/** A network: every address whose first `prefix` bits equal those of `bytes`. */
export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/**
 * The bytes of an IPv4 or IPv6 address (any text form Node accepts: `::` compression, a
 * dotted IPv4 tail, a zone id, which is dropped), or undefined if it is not one.
 *
 * @example
 * parseIp('::ffff:127.0.0.1'); // Uint8Array [0,0,0,0,0,0,0,0,0,0,255,255,127,0,0,1]
 * parseIp('example.com'); // undefined
 */
export function parseIp(address: string): IpBytes | undefined {
  const family = isIP(address);
  if (family === 4) return Uint8Array.from(address.split('.').map(Number));
  if (family !== 6) return undefined;
  let text = address.toLowerCase().replace(/%.*$/, '');
  const tail: number[] = [];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, dotted.index);
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const before = groups(head);
  const after = [...(rest === undefined ? [] : groups(rest)), ...tail];
  const words =
    rest === undefined
      ? [...before, ...tail]
      : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 255;
  });
  return bytes;
}

/**
 * `10.0.0.0/8`, `fd00::/8`, or a bare address (a network of one), or undefined if the text
 * is neither.
 *
 * @example
 * parseCidr('10.0.0.0/8'); // { bytes: [10,0,0,0], prefix: 8 }
 * parseCidr('::1'); // { bytes: […16 bytes], prefix: 128 }
 */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.split('/');
  if (extra !== undefined) return undefined;
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const bits = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: bits };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  return { bytes, prefix: Number(prefixText) };
}

/**
 * Whether an address lies in a network of the same family.
 *
 * @example
 * inCidr(parseIp('10.1.2.3')!, parseCidr('10.0.0.0/8')!); // true
 */
export function inCidr(address: IpBytes, network: Cidr): boolean {
  if (address.length !== network.bytes.length) return false;
  let bits = network.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 255 : (255 << (8 - bits)) & 255;
    if ((address[i]! & mask) !== (network.bytes[i]! & mask)) return false;
  }
  return true;
}

/**
 * The IPv4 address in four bytes of an IPv6 address, starting at `offset`.
 *
 * @example
 * ipv4At(parseIp('2002:7f00:1::')!, 2); // Uint8Array [127,0,0,1]
 */
export function ipv4At(address: IpBytes, offset: number): IpBytes {
  return address.slice(offset, offset + 4);
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255];

/**
 * The IPv4 address of an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, the same host), else
 * undefined.
 *
 * @example
 * unmapIpv4(parseIp('::ffff:10.0.0.1')!); // Uint8Array [10,0,0,1]
 */
export function unmapIpv4(address: IpBytes): IpBytes | undefined {
  if (address.length !== 16 || MAPPED_PREFIX.some((byte, i) => address[i] !== byte)) {
    return undefined;
  }
  return ipv4At(address, 12);
}
