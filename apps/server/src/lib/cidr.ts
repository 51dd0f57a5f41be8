/** An IP address as a number: 32 bits for family 4, 128 for family 6. */
export interface Ip {
  family: 4 | 6;
  value: bigint;
}

/** A network: the first `prefix` bits of `network` (host bits are zero). */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses an IPv4 or IPv6 address (brackets and a `%zone` are dropped). An IPv4-mapped IPv6
 * address (`::ffff:a.b.c.d`) is the IPv4 address: a dual-stack socket reports IPv4 peers so.
 *
 * @example
 * parseIp('::ffff:10.0.0.1'); // { family: 4, value: 167772161n }
 * parseIp('10.0.0.256');      // undefined
 */
export function parseIp(text: string): Ip | undefined {
  const bare = text
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%[^%]*$/, '');
  if (!bare.includes(':')) {
    const value = parseIpv4(bare);
    return value === undefined ? undefined : { family: 4, value };
  }
  const value = parseIpv6(bare);
  if (value === undefined) return undefined;
  return value >> 32n === 0xffffn
    ? { family: 4, value: value & 0xffff_ffffn }
    : { family: 6, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // No leading zeros: `010` is octal to some parsers and decimal to others.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseWords(halves[0]!, !compressed);
  const tail = compressed ? parseWords(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const word of [...head, ...new Array<number>(missing).fill(0), ...tail])
    value = (value << 16n) | BigInt(word);
  return value;
}

/** 16-bit groups of one side of `::`; the last group may be a dotted IPv4 (two groups). */
function parseWords(half: string, ipv4Tail: boolean): number[] | undefined {
  if (half === '') return [];
  const groups = half.split(':');
  const words: number[] = [];
  for (const [index, group] of groups.entries()) {
    if (ipv4Tail && index === groups.length - 1 && group.includes('.')) {
      const v4 = parseIpv4(group);
      if (v4 === undefined) return undefined;
      words.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-f]{1,4}$/i.test(group)) {
      words.push(Number.parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

/**
 * Parses `a.b.c.d/n`, `x::y/n` or a bare address (a single host). Host bits are cleared.
 *
 * @example
 * parseCidr('10.1.2.3/8');  // { family: 4, network: 167772160n, prefix: 8 }
 * parseCidr('fd00::/300');  // undefined
 */
export function parseCidr(text: string): Cidr | undefined {
  const [address, length, extra] = text.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const ip = parseIp(address);
  if (!ip) return undefined;
  let prefix: number = BITS[ip.family];
  if (length !== undefined) {
    if (!/^\d{1,3}$/.test(length)) return undefined;
    prefix = Number(length);
    // `::ffff:10.0.0.0/104` is written in IPv6 bits but parsed as IPv4.
    if (ip.family === 4 && address.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > BITS[ip.family]) return undefined;
  }
  const shift = BigInt(BITS[ip.family] - prefix);
  return { family: ip.family, network: (ip.value >> shift) << shift, prefix };
}

/**
 * Parses a comma-separated list of networks; `invalid` names the first entry that is not one.
 *
 * @example
 * parseCidrList('10.0.0.0/8, fd00::/8'); // { ok: true, cidrs: [...] }
 * parseCidrList('10.0.0.0/8, proxy');    // { ok: false, invalid: 'proxy' }
 */
export function parseCidrList(
  text: string,
): { ok: true; cidrs: Cidr[] } | { ok: false; invalid: string } {
  const cidrs: Cidr[] = [];
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const cidr = parseCidr(entry);
    if (!cidr) return { ok: false, invalid: entry.trim() };
    cidrs.push(cidr);
  }
  return { ok: true, cidrs };
}

/**
 * Whether any of `cidrs` holds `ip`.
 *
 * @example
 * cidrContains([parseCidr('10.0.0.0/8')!], parseIp('10.9.9.9')!); // true
 */
export function cidrContains(cidrs: readonly Cidr[], ip: Ip): boolean {
  return cidrs.some((cidr) => {
    if (cidr.family !== ip.family) return false;
    const shift = BigInt(BITS[cidr.family] - cidr.prefix);
    return ip.value >> shift === cidr.network >> shift;
  });
}

/**
 * The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lower case, the longest
 * run of two or more zero groups as `::`).
 *
 * @example
 * formatIp(parseIp('::FFFF:10.0.0.1')!); // '10.0.0.1'
 * formatIp(parseIp('fd00:0:0:0:0:0:0:1')!); // 'fd00::1'
 */
export function formatIp(ip: Ip): string {
  if (ip.family === 4)
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) =>
    Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn),
  );
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && words[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
  }
  const hex = words.map((word) => word.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/**
 * The network of `ip` with `prefix` bits, as CIDR text.
 *
 * @example
 * networkOf(parseIp('2001:db8:1:2:3:4:5:6')!, 64); // '2001:db8:1:2::/64'
 */
export function networkOf(ip: Ip, prefix: number): string {
  const shift = BigInt(BITS[ip.family] - prefix);
  return `${formatIp({ family: ip.family, value: (ip.value >> shift) << shift })}/${prefix}`;
}
