import { loadAuthConfig } from './config.js';

describe('loadAuthConfig', () => {
  it('has defaults for everything', () => {
    expect(loadAuthConfig({})).toMatchObject({
      port: 0,
      audience: 'meshpact',
      accessTokenTtl: 900,
      loginMaxFailures: 5,
      loginMaxPerEmail: 25,
      trustedProxies: [],
      introspectionClients: new Map(),
    });
  });

  it('reads introspection clients as name:secret pairs', () => {
    const config = loadAuthConfig({
      AUTH_INTROSPECTION_CLIENTS: 'backend-api:s3cret-one, billing:s3cret-two',
    });
    expect([...config.introspectionClients]).toEqual([
      ['backend-api', 's3cret-one'],
      ['billing', 's3cret-two'],
    ]);
  });

  it('names the variable when a pair is bad', () => {
    expect(() => loadAuthConfig({ AUTH_INTROSPECTION_CLIENTS: 'backend-api' })).toThrow(
      /^AUTH_INTROSPECTION_CLIENTS must be name:secret pairs/,
    );
    expect(() => loadAuthConfig({ AUTH_ACCESS_TOKEN_TTL: '5' })).toThrow(
      /^AUTH_ACCESS_TOKEN_TTL must be an integer/,
    );
  });

  it('reads trusted proxies as addresses, CIDR ranges and names, and refuses anything else', () => {
    expect(
      loadAuthConfig({ AUTH_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8, 2001:db8::/32, 192.0.2.7' })
        .trustedProxies,
    ).toEqual(['loopback', '10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    for (const bad of [
      'proxy.example.com',
      '10.0.0.0/33',
      '::1/129',
      '10.0.0.1/8/1',
      '10.0.0.0/',
    ]) {
      expect(() => loadAuthConfig({ AUTH_TRUSTED_PROXIES: `loopback,${bad}` })).toThrow(
        `AUTH_TRUSTED_PROXIES must be IP addresses or CIDR ranges, or loopback, linklocal, uniquelocal, comma separated (got "${bad}")`,
      );
    }
  });
});
