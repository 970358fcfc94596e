import { SignJWT, generateKeyPair, type CryptoKey } from 'jose';
import { ManualClock } from '../../src/runtime/clock.js';
import { createTokenVerifier, type TokenVerifier } from './client.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { bearer, expectProblem, introspector, register, request } from './test-helpers.js';

describe('auth-service tokens', () => {
  const clock = new ManualClock('2026-03-01T09:00:00Z');
  let auth: AuthUnderTest;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    auth = await startAuthForTest({ clock });
    verifier = createTokenVerifier({
      jwksUrl: `${auth.url}/.well-known/jwks.json`,
      issuer: auth.url,
      audience: 'meshpact',
      clock,
    });
  });
  afterAll(() => auth.close());

  /** Rejected by /auth/me, by introspection and by the JWKS verifier the backend uses. */
  async function expectRejectedEverywhere(token: string) {
    expectProblem(
      await request(auth.url, 'GET', '/auth/me', { headers: bearer(token) }),
      401,
      'unauthorized',
    );
    const introspection = await request(auth.url, 'POST', '/auth/introspect', {
      headers: introspector,
      body: { token },
    });
    expect(introspection.body).toEqual({ active: false });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  }

  async function expectAcceptedEverywhere(token: string) {
    expect((await request(auth.url, 'GET', '/auth/me', { headers: bearer(token) })).status).toBe(
      200,
    );
    const introspection = await request(auth.url, 'POST', '/auth/introspect', {
      headers: introspector,
      body: { token },
    });
    expect(introspection.body.active).toBe(true);
    await expect(verifier.verify(token)).resolves.toMatchObject({ aud: 'meshpact', iss: auth.url });
  }

  describe('when an access token expires', () => {
    it('is accepted until its 15 minutes pass, then refused everywhere', async () => {
      const { access_token } = await register(auth.url, 'expiry@example.com');
      clock.advance(899);
      await expectAcceptedEverywhere(access_token);
      clock.advance(2);
      await expectRejectedEverywhere(access_token);
    });
  });

  describe('when a refresh token is used twice', () => {
    it('refuses the reuse and revokes the whole family, newest tokens included', async () => {
      const first = await register(auth.url, 'reuse@example.com');
      const second = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: first.refresh_token },
      });
      expect(second.status).toBe(200);

      const reuse = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: first.refresh_token },
      });
      expectProblem(reuse, 401, 'refresh_token_reused');
      const newest = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: second.body.refresh_token },
      });
      expectProblem(newest, 401, 'invalid_refresh_token');
      const introspection = await request(auth.url, 'POST', '/auth/introspect', {
        headers: introspector,
        body: { token: second.body.access_token },
      });
      expect(introspection.body).toEqual({ active: false });
    });

    it('lets exactly one of two simultaneous refreshes through', async () => {
      const session = await register(auth.url, 'race@example.com');
      const body = { refresh_token: session.refresh_token };
      const answers = await Promise.all([
        request(auth.url, 'POST', '/auth/refresh', { body }),
        request(auth.url, 'POST', '/auth/refresh', { body }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
      expect(answers.find((a) => a.status === 401)?.body.code).toBe('refresh_token_reused');
    });
  });

  describe('when a refresh token is older than its lifetime', () => {
    it('is refused', async () => {
      const session = await register(auth.url, 'old@example.com');
      clock.advance(30 * 86_400 + 1);
      const answer = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: session.refresh_token },
      });
      expectProblem(answer, 401, 'invalid_refresh_token');
    });
  });

  it('registers one account when the same email registers twice at once', async () => {
    const body = { email: 'twice@example.com', password: 'correct horse battery', name: 'Twice' };
    const answers = await Promise.all([
      request(auth.url, 'POST', '/auth/register', { body }),
      request(auth.url, 'POST', '/auth/register', { body }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
  });

  describe('when the signing key rotates', () => {
    const kids = async () =>
      (
        (await request(auth.url, 'GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]
      ).map((k) => k.kid);

    it('publishes the next key before it signs, and keeps the old one until its tokens expire', async () => {
      const before = await register(auth.url, 'rotate@example.com');
      const oldKid = kidOf(before.access_token);
      const published = await kids();
      expect(published).toContain(oldKid);
      const upcoming = published.find((kid) => kid !== oldKid);

      const newKid = await auth.rotateKeys();
      expect(newKid).toBe(upcoming);
      expect(await kids()).toEqual(expect.arrayContaining([oldKid, newKid]));
      await expectAcceptedEverywhere(before.access_token);

      const after = await register(auth.url, 'rotate2@example.com');
      expect(kidOf(after.access_token)).toBe(newKid);
      // The verifier cached the JWKS before the rotation, and already knows the new signer.
      await expectAcceptedEverywhere(after.access_token);

      clock.advance(901);
      expect(await kids()).not.toContain(oldKid);
      expect(await kids()).toContain(newKid);
    });
  });

  describe('when a token is forged', () => {
    let real: string;
    let foreignKey: CryptoKey;
    beforeAll(async () => {
      real = (await register(auth.url, 'forged@example.com')).access_token;
      foreignKey = (await generateKeyPair('ES256')).privateKey;
    });

    const claims = () =>
      JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString()) as Record<
        string,
        unknown
      >;
    const sign = (
      payload: Record<string, unknown>,
      header: Record<string, unknown>,
      key: CryptoKey | Uint8Array,
    ) => new SignJWT(payload).setProtectedHeader({ alg: 'ES256', ...header }).sign(key);

    it('is refused when signed by another key, under our kid or its own', async () => {
      await expectRejectedEverywhere(await sign(claims(), { kid: kidOf(real) }, foreignKey));
      await expectRejectedEverywhere(await sign(claims(), { kid: 'attacker-key' }, foreignKey));
    });

    it('is refused with alg none', async () => {
      const [header, payload] = [{ alg: 'none', typ: 'JWT', kid: kidOf(real) }, claims()].map(
        (part) => Buffer.from(JSON.stringify(part)).toString('base64url'),
      );
      await expectRejectedEverywhere(`${header}.${payload}.`);
    });

    it('is refused when its payload was changed after signing', async () => {
      const [header, , signature] = real.split('.');
      const payload = Buffer.from(
        JSON.stringify({ ...claims(), tenant_id: '00000000-0000-4000-8000-000000000000' }),
      ).toString('base64url');
      await expectRejectedEverywhere(`${header}.${payload}.${signature}`);
    });

    it('is refused for another audience or issuer, even when signed by a key we publish', async () => {
      // Signed by the right key would need the private key; a foreign key with a wrong aud must fail on both counts.
      await expectRejectedEverywhere(
        await sign({ ...claims(), aud: 'another-api' }, { kid: kidOf(real) }, foreignKey),
      );
      await expectRejectedEverywhere(
        await sign({ ...claims(), iss: 'https://evil.example' }, { kid: kidOf(real) }, foreignKey),
      );
    });

    it('is refused when HMAC-signed with the public key as the secret (algorithm confusion)', async () => {
      const jwks = await request(auth.url, 'GET', '/.well-known/jwks.json');
      const secret = new TextEncoder().encode(JSON.stringify((jwks.body.keys as unknown[])[0]));
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: kidOf(real) })
        .sign(secret);
      await expectRejectedEverywhere(token);
    });
  });
});

function kidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string })
    .kid;
}
