import type { LookupAddress } from 'node:dns';
import { guardedLookup, isLocalAddress, isLocalHost } from './webhook-targets.js';

// Decided without sending anything: the lookup is given a resolver that
// answers from a table, and nothing here opens a socket.

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '0:0:0:0:0:0:0:1',
    '169.254.169.254',
    'fe80::1',
    'febf::1',
    '0.0.0.0',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
  ])('counts %s as local', (address) => {
    expect(isLocalAddress(address)).toBe(true);
  });

  it.each(['10.0.0.1', '172.16.0.1', '192.168.1.1', '93.184.216.34', '2001:db8::1', 'fec0::1'])(
    'counts %s as not local (private ranges stay reachable)',
    (address) => {
      expect(isLocalAddress(address)).toBe(false);
    },
  );

  it('counts localhost names and bracketed or dotted forms as local, other names not', () => {
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost', '[::1]', '[::ffff:7f00:1]'])
      expect(isLocalHost(host)).toBe(true);
    for (const host of ['ci.example.com', 'localhost.example.com', 'mylocalhost'])
      expect(isLocalHost(host)).toBe(false);
  });

  describe('guardedLookup', () => {
    const table: Record<string, LookupAddress[]> = {
      'public.test': [{ address: '93.184.216.34', family: 4 }],
      'rebinding.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
      'metadata.test': [{ address: '169.254.169.254', family: 4 }],
      'six.test': [{ address: '::1', family: 6 }],
    };
    const lookup = guardedLookup((hostname, _options, callback) => {
      const found = table[hostname];
      if (found) callback(null, found);
      else callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    });
    const resolve = (hostname: string, all: boolean) =>
      new Promise<{ error: Error | null; address: unknown; family?: number | undefined }>((done) =>
        lookup(hostname, { all }, (error, address, family) => done({ error, address, family })),
      );

    it.each(['rebinding.test', 'metadata.test', 'six.test'])(
      'refuses %s, which resolves to a local address',
      async (hostname) => {
        const { error } = await resolve(hostname, true);
        expect(error?.name).toBe('LocalTargetRefused');
        expect(error?.message).toMatch(/BROKER_WEBHOOK_ALLOW_LOCAL=true/);
        expect((await resolve(hostname, false)).error?.name).toBe('LocalTargetRefused');
      },
    );

    it('hands on the addresses it checked, in either form a socket asks for', async () => {
      expect(await resolve('public.test', true)).toEqual({
        error: null,
        address: [{ address: '93.184.216.34', family: 4 }],
        family: undefined,
      });
      expect(await resolve('public.test', false)).toEqual({
        error: null,
        address: '93.184.216.34',
        family: 4,
      });
    });

    it('passes resolution errors on', async () => {
      expect((await resolve('missing.test', true)).error?.message).toBe('ENOTFOUND missing.test');
    });
  });
});
