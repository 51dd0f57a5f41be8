import { describe, expect, it } from 'vitest';
import {
  assertPublicHost,
  BlockedAddressError,
  isPrivateAddress,
  publicOnlyLookup,
} from './address-policy';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and unspecified addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.1.2.3',
      '64:ff9b::a00:1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it('allows public unicast addresses', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('treats anything that is not an IP address as private', () => {
    expect(isPrivateAddress('example.com')).toBe(true);
  });
});

describe('assertPublicHost', () => {
  it('refuses literal private hosts and localhost without DNS, allows names', () => {
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://[::1]/',
      'https://localhost/',
      'http://api.localhost./',
    ]) {
      expect(() => assertPublicHost(new URL(url)), url).toThrow(BlockedAddressError);
    }
    expect(() => assertPublicHost(new URL('https://example.com/hook'))).not.toThrow();
    expect(() => assertPublicHost(new URL('https://93.184.216.34/hook'))).not.toThrow();
  });
});

describe('publicOnlyLookup', () => {
  it('fails a name that resolves to a private address, naming the address', async () => {
    const error = await new Promise<Error | null>((resolve) =>
      publicOnlyLookup('localhost', { all: true }, (failure) => resolve(failure)),
    );
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error!.message).toMatch(/private or loopback/);
  });
});
