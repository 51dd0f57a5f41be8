import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../env';
import {
  type AddressPolicy,
  BlockedAddressError,
  createAddressPolicy,
  isPrivateAddress,
  type Resolve,
} from './address-policy';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast and other special IPv4', () => {
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
      '192.0.0.8',
      '192.88.99.1',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it('refuses IPv6 outside global unicast and the special ranges inside it', () => {
    for (const address of [
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'fec0::1',
      'ff02::1',
      '100::1',
      '5f00::1',
      '64:ff9b:1::a00:1', // local-use NAT64: where its IPv4 sits depends on the network
      '2001:db8::1',
      '3fff::1',
      '2001:2::1',
      '2001:10::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it('judges every IPv6 form with an embedded IPv4 address by that address', () => {
    const forms: Array<[string, string]> = [
      ['::127.0.0.1', 'IPv4-compatible, dotted'],
      ['::7f00:1', 'IPv4-compatible (::/96), hex'],
      ['::a00:1', 'IPv4-compatible 10.0.0.1'],
      ['::ffff:127.0.0.1', 'IPv4-mapped, dotted'],
      ['::ffff:7f00:1', 'IPv4-mapped, hex'],
      ['::FFFF:A9FE:A9FE', 'IPv4-mapped 169.254.169.254, upper case'],
      ['0:0:0:0:0:ffff:c0a8:101', 'IPv4-mapped 192.168.1.1, uncompressed'],
      ['::ffff:0:7f00:1', 'IPv4-translated (SIIT)'],
      ['::ffff:0:10.1.2.3', 'IPv4-translated, dotted'],
      ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
      ['64:ff9b::192.168.0.1', 'NAT64, dotted'],
      ['2002:7f00:1::', '6to4 of 127.0.0.1'],
      ['2002:a9fe:a9fe::1', '6to4 of 169.254.169.254'],
      ['2002:c0a8:101:0:1:2:3:4', '6to4 of 192.168.1.1'],
      ['2a00:1450:4001:81c::5efe:a00:1', 'ISATAP of 10.0.0.1'],
      ['2a00:1450:4001:81c:200:5efe:7f00:1', 'ISATAP (u bit) of 127.0.0.1'],
    ];
    for (const [address, form] of forms) expect(isPrivateAddress(address), form).toBe(true);
    for (const address of [
      '::ffff:8.8.8.8',
      '::808:808',
      '::ffff:0:808:808',
      '64:ff9b::8.8.8.8',
      '2002:808:808::1',
      '2a00:1450:4001:81c::5efe:808:808',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('allows public unicast addresses', () => {
    for (const address of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '2a00:1450:4001:81c::200e',
      '2001:4860:4860::8888',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('treats anything that is not an IP address as private', () => {
    for (const text of ['example.com', '127.1', '0x7f.0.0.1', '', '1.2.3.4.5'])
      expect(isPrivateAddress(text), text).toBe(true);
  });
});

describe('configuration', () => {
  it('blocks private addresses by default and reads CARIOSAN_WEBHOOK_ALLOW_HOSTS', () => {
    expect(loadConfig({})).toMatchObject({ webhookBlockPrivate: true, webhookAllowHosts: [] });
    expect(loadConfig({ CARIOSAN_WEBHOOK_BLOCK_PRIVATE: 'false' }).webhookBlockPrivate).toBe(false);
    expect(
      loadConfig({ CARIOSAN_WEBHOOK_ALLOW_HOSTS: ' hooks.internal, 10.0.0.0/8,,[::1] ' })
        .webhookAllowHosts,
    ).toEqual(['hooks.internal', '10.0.0.0/8', '[::1]']);
    expect(() => loadConfig({ CARIOSAN_WEBHOOK_ALLOW_HOSTS: 'hooks.internal,http://x/' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ CARIOSAN_WEBHOOK_ALLOW_HOSTS: '10.0.0.0/40' })).toThrow(
      /CARIOSAN_WEBHOOK_ALLOW_HOSTS/,
    );
  });
});

/** A resolver answering from a table; any other name does not exist. */
function table(answers: Record<string, string[]>): Resolve {
  return async (hostname) => {
    const list = answers[hostname];
    if (!list)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list.map(
      (address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }),
    );
  };
}

function lookupVia(policy: AddressPolicy, hostname: string, all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; result: unknown }>((resolve) => {
    policy.lookup!(hostname, { all }, (error, address, family) =>
      resolve({ error, result: all ? address : [address, family] }),
    );
  });
}

const DNS = {
  'public.example': ['93.184.216.34', '2606:4700::1111'],
  'mixed.example': ['93.184.216.34', '10.0.0.5'],
  'mapped.example': ['::ffff:7f00:1'],
  'hooks.internal': ['10.1.2.3'],
  'a.corp.example': ['192.168.7.7'],
  'empty.example': [],
};

describe('createAddressPolicy', () => {
  const strict = createAddressPolicy({ blockPrivate: true, resolve: table(DNS) });
  const allowing = createAddressPolicy({
    blockPrivate: true,
    allowHosts: ['hooks.internal', '*.corp.example', '127.0.0.1', 'fd00::/8'],
    resolve: table(DNS),
  });
  const url = (text: string) => new URL(text);

  it('judges literal addresses and localhost names without DNS', () => {
    expect(strict.allowsHost(url('http://127.0.0.1:9/x'))).toBe(false);
    expect(strict.allowsHost(url('http://[::ffff:127.0.0.1]/x'))).toBe(false);
    expect(strict.allowsHost(url('http://[::7f00:1]/x'))).toBe(false);
    expect(strict.allowsHost(url('http://[2002:7f00:1::]/x'))).toBe(false);
    expect(strict.allowsHost(url('http://2130706433/x'))).toBe(false); // WHATWG: 127.0.0.1
    expect(strict.allowsHost(url('http://localhost/x'))).toBe(false);
    expect(strict.allowsHost(url('http://api.localhost./x'))).toBe(false);
    expect(strict.allowsHost(url('https://93.184.216.34/x'))).toBe(true);
    expect(strict.allowsHost(url('https://public.example/x'))).toBeUndefined();
  });

  it('lets allow-listed names, subdomains and networks through, and only those', () => {
    expect(allowing.allowsHost(url('http://127.0.0.1:9/x'))).toBe(true);
    expect(allowing.allowsHost(url('http://[::ffff:127.0.0.1]/x'))).toBe(true);
    expect(allowing.allowsHost(url('http://127.0.0.2/x'))).toBe(false);
    expect(allowing.allowsHost(url('http://[fd00::5]/x'))).toBe(true);
    expect(allowing.allowsHost(url('http://[fe80::5]/x'))).toBe(false);
    expect(allowing.allowsHost(url('http://HOOKS.internal/x'))).toBe(true);
    expect(allowing.allowsHost(url('http://a.corp.example/x'))).toBe(true);
    expect(allowing.allowsHost(url('http://corp.example/x'))).toBeUndefined();
    expect(allowing.allowsHost(url('http://evil-hooks.internal/x'))).toBeUndefined();
  });

  it('lets everything through when blocking is off, with no lookup of its own', () => {
    const open = createAddressPolicy({ blockPrivate: false });
    expect(open.allowsHost(url('http://127.0.0.1/x'))).toBe(true);
    expect(open.allowsHost(url('http://localhost/x'))).toBe(true);
    expect(open.lookup).toBeUndefined();
  });

  it('fails the connect-time lookup unless every address passes, naming no address', async () => {
    for (const host of ['mixed.example', 'mapped.example', 'hooks.internal']) {
      const { error } = await lookupVia(strict, host, true);
      expect(error, host).toBeInstanceOf(BlockedAddressError);
      expect(error!.message).not.toMatch(/\d+\.\d+|::|example|internal/);
    }
    expect(await lookupVia(strict, 'public.example', true)).toEqual({
      error: null,
      result: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700::1111', family: 6 },
      ],
    });
    expect(await lookupVia(strict, 'public.example', false)).toEqual({
      error: null,
      result: ['93.184.216.34', 4],
    });
    expect((await lookupVia(allowing, 'hooks.internal', false)).result).toEqual(['10.1.2.3', 4]);
    expect((await lookupVia(allowing, 'a.corp.example', true)).error).toBeNull();
    expect((await lookupVia(allowing, 'mapped.example', true)).error).toBeNull();
    expect((await lookupVia(strict, 'nowhere.example', true)).error?.code).toBe('ENOTFOUND');
    expect((await lookupVia(strict, 'empty.example', true)).error?.code).toBe('ENOTFOUND');
  });

  it('refuses localhost through real DNS too', async () => {
    const real = createAddressPolicy({ blockPrivate: true });
    const { error } = await lookupVia(real, 'localhost', true);
    expect(error).toBeInstanceOf(BlockedAddressError);
  });

  it('checks a URL before it is saved: resolved once, unresolvable names pass', async () => {
    expect(await strict.check(url('http://localhost:8080/x'))).toBe(false);
    expect(await strict.check(url('http://[::1]/x'))).toBe(false);
    expect(await strict.check(url('http://mixed.example/x'))).toBe(false);
    expect(await strict.check(url('https://public.example/x'))).toBe(true);
    expect(await strict.check(url('https://nowhere.example/x'))).toBe(true);
    expect(await allowing.check(url('http://hooks.internal/x'))).toBe(true);
    const hanging = createAddressPolicy({
      blockPrivate: true,
      resolve: () => new Promise<LookupAddress[]>(() => undefined),
    });
    expect(await hanging.check(url('https://slow.example/x'), 20)).toBe(true);
  });
});
