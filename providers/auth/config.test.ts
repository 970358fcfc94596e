import { loadAuthConfig } from './config.js';

describe('loadAuthConfig', () => {
  it('has defaults for everything', () => {
    expect(loadAuthConfig({})).toMatchObject({
      port: 0,
      audience: 'meshpact',
      accessTokenTtl: 900,
      loginMaxFailures: 5,
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
});
