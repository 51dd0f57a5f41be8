import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges a webhook may not reach when private addresses are refused (RFC 6890 and friends). */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: may translate to any IPv4 address, private ones included
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address is loopback, private, link-local, or otherwise not a public unicast
 * address. IPv4-mapped and IPv4-compatible IPv6 addresses are judged by their IPv4 part.
 *
 * @example
 * isPrivateAddress('10.1.2.3'); // true
 * isPrivateAddress('::ffff:127.0.0.1'); // true
 * isPrivateAddress('93.184.216.34'); // false
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = embeddedIPv4(address);
  if (embedded) return PRIVATE.check(embedded, 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

/** The IPv4 address inside `::ffff:a.b.c.d`, `::ffff:7f00:1` or `::a.b.c.d`, if any. */
function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^::(?:ffff:(?:0{1,4}:)?)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:(?:0{1,4}:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** A webhook URL that points (or resolves) to an address the policy refuses. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
}

/**
 * Throws BlockedAddressError when a URL's host is a literal private address or `localhost`:
 * the check that needs no DNS (used when an endpoint is created or changed).
 *
 * @example
 * assertPublicHost(new URL('http://127.0.0.1/hook')); // throws
 */
export function assertPublicHost(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) ? isPrivateAddress(host) : /(^|\.)localhost\.?$/i.test(host)) {
    throw new BlockedAddressError(`${host} is a private or loopback address`);
  }
}

/**
 * A `lookup` for node:http that resolves as usual, then refuses private addresses. The
 * connection uses exactly the address checked here, so a DNS answer that changes between a
 * check and the connect (rebinding) cannot slip through.
 *
 * @example
 * http.request(url, { lookup: publicOnlyLookup });
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const list = addresses as LookupAddress[];
    const blocked = list.find((entry) => isPrivateAddress(entry.address));
    if (blocked || list.length === 0) {
      return callback(
        new BlockedAddressError(
          blocked
            ? `${hostname} resolves to a private or loopback address (${blocked.address})`
            : `${hostname} did not resolve`,
        ),
        '',
        4,
      );
    }
    if (options.all) return callback(null, list as never);
    return callback(null, list[0]!.address, list[0]!.family);
  });
};
