import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { type Cidr, cidrContains, formatIp, networkOf, parseIp } from '../lib/cidr';

/**
 * The client's address, for per-address throttling. It is the TCP peer, unless that peer is a
 * trusted proxy (`CARIOSAN_TRUSTED_PROXIES`): then `X-Forwarded-For` is read from the right,
 * skipping trusted hops, and the first untrusted one is the client. Without trusted proxies
 * the header is ignored, since any client can write it.
 *
 * @example
 * const address = clientAddress(c, deps.config.trustedProxies);
 */
export function clientAddress(c: Context, trustedProxies: readonly Cidr[] = []): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
  if (!peer) return 'unknown';
  return resolveClientAddress(peer, c.req.header('x-forwarded-for'), trustedProxies);
}

/**
 * The pure part of {@link clientAddress}: the canonical text of the client's address.
 *
 * @example
 * resolveClientAddress('10.0.0.2', '203.0.113.7, 10.0.0.9', [parseCidr('10.0.0.0/8')!]);
 * // '203.0.113.7'
 */
export function resolveClientAddress(
  peer: string,
  forwardedFor: string | undefined,
  trustedProxies: readonly Cidr[],
): string {
  let client = parseIp(peer);
  if (!client) return peer;
  const hops = forwardedFor?.split(',') ?? [];
  while (hops.length > 0 && cidrContains(trustedProxies, client)) {
    const hop = parseIp(hops.pop()!);
    // Garbage left of a trusted hop was written by the client itself: the hop that
    // forwarded it is as far as the chain can be believed.
    if (!hop) break;
    client = hop;
  }
  return formatIp(client);
}

/**
 * What per-address limits count: the address itself for IPv4, its /64 for IPv6 (one host is
 * usually given a whole /64, so counting single IPv6 addresses would count nothing).
 *
 * @example
 * throttleSubject('2001:db8::1'); // '2001:db8::/64'
 */
export function throttleSubject(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  return ip.family === 6 ? networkOf(ip, 64) : formatIp(ip);
}
