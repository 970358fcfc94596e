import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { createTokenVerifier, type TokenVerifier } from './client.js';
import { register } from './test-helpers.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';

// The token verifier backend-api uses, when auth-service goes away after its
// keys were fetched: the keys it has still verify the tokens they signed.

describe('the token verifier, when auth-service goes away', () => {
  let auth: AuthUnderTest;
  let verifier: TokenVerifier;
  let token: string;
  let stopped = false;

  beforeAll(async () => {
    auth = await startAuthForTest();
    token = (await register(auth.url, 'alice@example.com')).access_token;
    // Keys are never fresh here, so every verification asks auth-service first.
    verifier = createTokenVerifier({
      jwksUrl: `${auth.url}/.well-known/jwks.json`,
      issuer: auth.url,
      audience: 'meshpact',
      cacheMaxAgeMs: 0,
    });
    await verifier.verify(token);
    await auth.close();
    stopped = true;
  });
  afterAll(async () => {
    if (!stopped) await auth.close();
  });

  it('still accepts a token signed by a key it fetched before', async () => {
    await expect(verifier.verify(token)).resolves.toMatchObject({ email: 'alice@example.com' });
    expect(await verifier.keysAvailable()).toBe(false);
  });

  it('answers auth_unavailable, not unauthorized, for a key it has not seen', async () => {
    // Perhaps a key rotated in while auth-service was away: only auth-service could tell.
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const { privateKey } = await generateKeyPair('ES256');
    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'rotated-in-meanwhile' })
      .sign(privateKey);
    await expect(verifier.verify(unknownKid)).rejects.toMatchObject({ code: 'auth_unavailable' });
  });

  it('still refuses a token its keys reject', async () => {
    const [header, payload, signature] = token.split('.');
    const tampered = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    tampered.email = 'mallory@example.com';
    const forged = `${header}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('the token verifier, when tokens name kids auth-service never published', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest();
  });
  afterAll(() => auth.close());

  it('fetches the JWKS again at most once per cooldown, however many there are', async () => {
    const jwksUrl = `${auth.url}/.well-known/jwks.json`;
    const fetches: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      fetches.push(String(input instanceof Request ? input.url : input));
      return realFetch(input, init);
    };
    try {
      const verifier = createTokenVerifier({ jwksUrl, issuer: auth.url, audience: 'meshpact' });
      const { access_token } = await register(auth.url, 'kids@example.com');
      await verifier.verify(access_token);
      const { privateKey } = await generateKeyPair('ES256');
      const claims = JSON.parse(
        Buffer.from(access_token.split('.')[1]!, 'base64url').toString(),
      ) as Record<string, unknown>;
      for (let i = 0; i < 50; i++) {
        const forged = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: randomUUID() })
          .sign(privateKey);
        await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
      }
      expect(fetches.filter((url) => url === jwksUrl)).toHaveLength(1);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
