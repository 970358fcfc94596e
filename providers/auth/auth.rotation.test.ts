import { silentLogger } from '../../src/runtime/logger.js';
import { loadAuthConfig } from './config.js';
import { start, type RunningAuth } from './server.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { bearer, introspector, password, register, request } from './test-helpers.js';

// Both processes must name the same issuer, as they would behind one address.
const env = {
  AUTH_ISSUER: 'https://auth.meshpact.test',
  AUTH_INTROSPECTION_CLIENTS: 'backend-api:test-introspection-secret',
  LOG_LEVEL: 'silent',
};

describe('auth-service signing keys', () => {
  let first: AuthUnderTest;
  let second: RunningAuth;

  beforeAll(async () => {
    first = await startAuthForTest({ env });
    second = await start(loadAuthConfig(env), {
      connectionString: first.postgres.connectionString,
      logger: silentLogger,
      responseCheck: 'throw',
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const kids = async (url: string) =>
    ((await request(url, 'GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map(
      (key) => key.kid,
    );

  describe('when another process on the same Postgres rotates', () => {
    it('publishes the same keys soon after, and signs with the new one', async () => {
      expect(await kids(second.url)).toEqual(await kids(first.url));
      const rotated = await first.rotateKeys();
      // The new signer was published as the next key before; the new next key is what is new.
      const expected = await kids(first.url);
      expect(expected).toHaveLength(3);
      // The JWKS may be served from keys read a moment ago; it catches up by itself.
      let published = await kids(second.url);
      for (const deadline = Date.now() + 10_000; published.join() !== expected.join();) {
        if (Date.now() > deadline) throw new Error(`still publishing ${published.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        published = await kids(second.url);
      }
      const { user } = await register(first.url, 'rotation@example.com');
      const login = await request(second.url, 'POST', '/auth/login', {
        body: { email: user.email, password },
      });
      expect(kidOf(String(login.body.access_token))).toBe(rotated);
    });

    it('accepts at once a token signed with a key it has not read yet', async () => {
      const rotated = await first.rotateKeys();
      const { access_token } = await register(first.url, 'fresh-key@example.com');
      expect(kidOf(access_token)).toBe(rotated);

      const me = await request(second.url, 'GET', '/auth/me', { headers: bearer(access_token) });
      expect(me.status).toBe(200);
      const introspection = await request(second.url, 'POST', '/auth/introspect', {
        headers: introspector,
        body: { token: access_token },
      });
      expect(introspection.body).toMatchObject({ active: true, email: 'fresh-key@example.com' });
    });

    it('still refuses a token naming a kid that no process published', async () => {
      const { access_token } = await register(first.url, 'made-up@example.com');
      const [, payload, signature] = access_token.split('.');
      const header = Buffer.from(
        JSON.stringify({ alg: 'ES256', kid: 'no-such-kid', typ: 'JWT' }),
      ).toString('base64url');
      const forged = `${header}.${payload}.${signature}`;
      const me = await request(second.url, 'GET', '/auth/me', { headers: bearer(forged) });
      expect(me.status).toBe(401);
    });
  });
});

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string })
    .kid;
}
