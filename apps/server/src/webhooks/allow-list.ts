import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { type Cidr, type IpBytes, inCidr, parseCidr, unmapIpv4 } from './ip-address';

/** One entry of CARIOSAN_WEBHOOK_ALLOW_HOSTS. */
export type AllowEntry = { network: Cidr } | { name: string; subdomains: boolean };

/**
 * An allow-list entry: a CIDR (`10.0.0.0/8`, `fd00::/8`), an address (`127.0.0.1`, `[::1]`),
 * a host name (`hooks.internal`) or the names under a domain (`*.corp.example`, not
 * `corp.example` itself); undefined if the text is none of these.
 *
 * @example
 * parseAllowEntry('*.corp.example'); // { name: 'corp.example', subdomains: true }
 * parseAllowEntry('host:8080'); // undefined
 */
export function parseAllowEntry(text: string): AllowEntry | undefined {
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  const network = parseCidr(trimmed);
  if (network) return { network };
  const subdomains = trimmed.startsWith('*.');
  const name = domainToASCII(trimmed.slice(subdomains ? 2 : 0)).replace(/\.$/, '');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || isIP(name)) return undefined;
  return { name, subdomains };
}

/** What an operator lets webhooks reach although the address policy would refuse it. */
export interface AllowList {
  /** The host name is listed (compared without case and trailing dot). */
  hasName(hostname: string): boolean;
  /** The address lies in a listed network (an IPv4-mapped address counts as its IPv4). */
  hasAddress(address: IpBytes): boolean;
}

/**
 * @example
 * const allow = createAllowList(['hooks.internal', '10.1.0.0/16']);
 * allow.hasName('Hooks.Internal.'); // true
 */
export function createAllowList(texts: readonly string[]): AllowList {
  const entries = texts.map((text) => {
    const entry = parseAllowEntry(text);
    if (!entry) throw new Error(`not a host name, address or CIDR: ${text}`);
    return entry;
  });
  const networks = entries.flatMap((entry) => ('network' in entry ? [entry.network] : []));
  const names = entries.flatMap((entry) => ('name' in entry ? [entry] : []));
  return {
    hasName(hostname) {
      const name = hostname.toLowerCase().replace(/\.$/, '');
      return names.some((entry) =>
        entry.subdomains ? name.endsWith(`.${entry.name}`) : entry.name === name,
      );
    },
    hasAddress(address) {
      const ipv4 = unmapIpv4(address);
      return networks.some(
        (network) => inCidr(address, network) || (ipv4 !== undefined && inCidr(ipv4, network)),
      );
    },
  };
}
