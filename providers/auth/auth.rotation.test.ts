import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { systemClock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { loadAuthConfig } from './config.js';
import { start, type RunningAuth } from './server.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { bearer, introspector, password, register, request } from './test-helpers.js';
import { KeyRing } from './tokens.js';

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

describe('auth-service keys, when tokens name kids it does not hold', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest({ env });
  });
  afterAll(() => auth.close());

  const settings = { issuer: env.AUTH_ISSUER, audience: 'meshpact', accessTokenTtl: 900 };
  /** A key ring of its own process, on its own pool, so its queries can be counted. */
  async function ringOnOwnPool(unknownKidCooldownMs: number) {
    const db = createPool(auth.postgres.connectionString);
    const ring = await KeyRing.load(db, systemClock, settings, { unknownKidCooldownMs });
    const counted = { db, ring, queries: 0 };
    const query = db.query.bind(db) as (...args: unknown[]) => unknown;
    db.query = ((...args: unknown[]) => {
      counted.queries++;
      return query(...args);
    }) as typeof db.query;
    return counted;
  }

  it('reads the keys once per cooldown for a flood of made-up kids', async () => {
    const counted = await ringOnOwnPool(60_000);
    const { db, ring } = counted;
    try {
      const { privateKey } = await generateKeyPair('ES256');
      const forge = () =>
        new SignJWT({ tenant_id: randomUUID(), email: 'x@example.com', scope: 'x', sid: 'x' })
          .setProtectedHeader({ alg: 'ES256', kid: randomUUID(), typ: 'JWT' })
          .setIssuer(settings.issuer)
          .setAudience(settings.audience)
          .setSubject(randomUUID())
          .setIssuedAt()
          .setExpirationTime('5m')
          .setJti(randomUUID())
          .sign(privateKey);
      const flood = await Promise.all(Array.from({ length: 100 }, forge));
      const results = await Promise.all(flood.slice(0, 50).map((token) => ring.verify(token)));
      for (const token of flood.slice(50)) results.push(await ring.verify(token));
      expect(results.every((claims) => claims === undefined)).toBe(true);
      expect(counted.queries).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('still learns a key another process rotated in twice since it last read', async () => {
    const { db, ring } = await ringOnOwnPool(0);
    try {
      await auth.rotateKeys();
      const rotated = await auth.rotateKeys();
      const { access_token } = await register(auth.url, 'twice-rotated@example.com');
      expect(kidOf(access_token)).toBe(rotated);
      await expect(ring.verify(access_token)).resolves.toMatchObject({
        email: 'twice-rotated@example.com',
      });
    } finally {
      await db.end();
    }
  });
});

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string })
    .kid;
}
