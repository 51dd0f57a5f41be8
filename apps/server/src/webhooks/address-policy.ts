import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { createAllowList } from './allow-list';
import { type Cidr, type IpBytes, inCidr, ipv4At, parseCidr, parseIp } from './ip-address';

const networks = (list: string[]): Cidr[] => list.map((text) => parseCidr(text)!);

/** IPv4 networks that are not public unicast (IANA special-purpose registry, RFC 6890). */
const PRIVATE_V4 = networks([
  '0.0.0.0/8', // "this network": 0.0.0.0 reaches the local host
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata endpoints
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24', // 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved and broadcast
]);

/**
 * Public IPv6 unicast is 2000::/3 less these; everything outside it (loopback, unique local,
 * link-local, site-local, multicast, discard, local-use NAT64 64:ff9b:1::/48…) is refused.
 */
const GLOBAL_V6 = parseCidr('2000::/3')!;
const PRIVATE_V6 = networks([
  // Teredo: the client's IPv4 is obfuscated and the path runs through third-party relays.
  '2001::/32',
  '2001:2::/48', // benchmarking
  '2001:10::/28', // ORCHID
  '2001:20::/28', // ORCHIDv2
  '2001:db8::/32', // documentation
  '3fff::/20', // documentation
]);

/**
 * IPv6 forms whose packets end up at an embedded IPv4 address, with the byte offset of that
 * address: they are judged by it alone, as if the IPv4 address had been given.
 */
const EMBEDDING: ReadonlyArray<readonly [Cidr, number]> = [
  [parseCidr('::/96')!, 12], // IPv4-compatible (deprecated): `::` and `::1` are 0.0.0.x
  [parseCidr('::ffff:0:0/96')!, 12], // IPv4-mapped
  [parseCidr('::ffff:0:0:0/96')!, 12], // IPv4-translated (SIIT)
  [parseCidr('64:ff9b::/96')!, 12], // NAT64 well-known prefix
  [parseCidr('2002::/16')!, 2], // 6to4
];

function isPrivateBytes(bytes: IpBytes): boolean {
  if (bytes.length === 4) return PRIVATE_V4.some((network) => inCidr(bytes, network));
  const embedding = EMBEDDING.find(([network]) => inCidr(bytes, network));
  if (embedding) return isPrivateBytes(ipv4At(bytes, embedding[1]));
  if (!inCidr(bytes, GLOBAL_V6) || PRIVATE_V6.some((network) => inCidr(bytes, network))) {
    return true;
  }
  // ISATAP interface id ([02]00:5efe:a.b.c.d): a host that tunnels it reaches the IPv4 inside.
  const isatap =
    (bytes[8]! & 0xfc) === 0 && bytes[9] === 0 && bytes[10] === 0x5e && bytes[11] === 0xfe;
  return isatap && isPrivateBytes(ipv4At(bytes, 12));
}

/**
 * Whether an IP address is loopback, private, link-local, or otherwise not a public unicast
 * address. IPv6 forms that embed an IPv4 address (mapped, compatible, translated, NAT64,
 * 6to4, ISATAP) are judged by it. Anything that is not an IP address counts as private.
 *
 * @example
 * isPrivateAddress('10.1.2.3'); // true
 * isPrivateAddress('2002:7f00:1::'); // true: 6to4 of 127.0.0.1
 * isPrivateAddress('93.184.216.34'); // false
 */
export function isPrivateAddress(address: string): boolean {
  const bytes = parseIp(address);
  return bytes === undefined || isPrivateBytes(bytes);
}

/** A webhook URL whose host is, or resolves to, an address the policy refuses. */
export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
  readonly code = 'EBLOCKED';
  constructor() {
    // Never the host's addresses: a refusal must not turn into a DNS oracle.
    super('the host is or resolves to an address the webhook policy refuses');
  }
}

/** Resolves a host name to all its addresses (getaddrinfo by default; injected in tests). */
export type Resolve = (hostname: string, family: 0 | 4 | 6) => Promise<LookupAddress[]>;

/**
 * Options of {@link createAddressPolicy}.
 *
 * @example
 * const options: AddressPolicyOptions = { blockPrivate: true, allowHosts: ['10.0.0.0/8'] };
 */
export interface AddressPolicyOptions {
  /** CARIOSAN_WEBHOOK_BLOCK_PRIVATE: refuse addresses that are not public unicast. */
  blockPrivate: boolean;
  /** CARIOSAN_WEBHOOK_ALLOW_HOSTS: names and networks reachable even so. */
  allowHosts?: readonly string[];
  resolve?: Resolve;
}

/** Which hosts a webhook may reach; see {@link createAddressPolicy}. */
export interface AddressPolicy {
  /**
   * The verdict that needs no DNS: `true` (blocking is off, the name is allow-listed, or a
   * literal address passes), `false` (a literal address or a `localhost` name it refuses),
   * `undefined` (a name whose addresses decide, judged by {@link AddressPolicy.lookup}).
   */
  allowsHost(url: URL): boolean | undefined;
  /**
   * Checks a URL before it is saved: the DNS-free verdict, else the name is resolved once
   * (waiting at most `timeoutMs`). A name that does not resolve (yet) passes: every
   * connection is checked again anyway.
   */
  check(url: URL, timeoutMs?: number): Promise<boolean>;
  /**
   * A `lookup` for node:net / node:http that resolves, then fails with BlockedAddressError
   * unless every address is allowed. The connection uses exactly the addresses checked, so a
   * DNS answer that changes between a check and the connect (rebinding) cannot slip through.
   * Undefined when blocking is off.
   */
  lookup: LookupFunction | undefined;
}

const defaultResolve: Resolve = (hostname, family) => dns.lookup(hostname, { all: true, family });

/**
 * The address policy of webhook delivery: public unicast addresses only (when `blockPrivate`),
 * plus what the operator allow-lists by host name or network.
 *
 * @example
 * const policy = createAddressPolicy({ blockPrivate: true, allowHosts: ['hooks.internal'] });
 * http.request(url, { lookup: policy.lookup });
 */
export function createAddressPolicy(options: AddressPolicyOptions): AddressPolicy {
  const allow = createAllowList(options.allowHosts ?? []);
  const resolve = options.resolve ?? defaultResolve;
  const allowsAddress = (address: string) => {
    const bytes = parseIp(address);
    return bytes !== undefined && (allow.hasAddress(bytes) || !isPrivateBytes(bytes));
  };
  /** Why a name's DNS answer may not be connected to, if it may not. */
  const judge = (hostname: string, list: LookupAddress[]): Error | undefined => {
    if (list.length === 0) return Object.assign(new Error('no address'), { code: 'ENOTFOUND' });
    if (allow.hasName(hostname) || list.every((entry) => allowsAddress(entry.address))) {
      return undefined;
    }
    return new BlockedAddressError();
  };
  const allowsHost = (url: URL): boolean | undefined => {
    if (!options.blockPrivate) return true;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) return allowsAddress(host);
    if (allow.hasName(host)) return true;
    return /(^|\.)localhost\.?$/i.test(host) ? false : undefined;
  };
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, familyOf(lookupOptions.family)).then(
      (list) => {
        const failure = judge(hostname, list);
        if (failure) return callback(failure, '', 4);
        if (lookupOptions.all) return callback(null, list);
        return callback(null, list[0]!.address, list[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
  return {
    allowsHost,
    async check(url, timeoutMs = 2_000) {
      const verdict = allowsHost(url);
      if (verdict !== undefined) return verdict;
      const list = await within(resolve(url.hostname, 0), timeoutMs).catch(() => undefined);
      return list === undefined || !(judge(url.hostname, list) instanceof BlockedAddressError);
    },
    lookup: options.blockPrivate ? lookup : undefined,
  };
}

function familyOf(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  return family === 6 || family === 'IPv6' ? 6 : 0;
}

/** The value of `work`, or undefined if it takes longer than `ms`. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((settle) => {
    timer = setTimeout(() => settle(undefined), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
