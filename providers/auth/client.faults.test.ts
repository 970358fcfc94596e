import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { createIntrospectionClient, createTokenVerifier } from './client.js';
import { fetchesTo } from '../../src/runtime/test-servers.js';
import { hungServer } from './test-helpers.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = `${base64url({ alg: 'ES256', kid: 'k1' })}.${base64url({ sub: 'u' })}.c2ln`;

const code = (error: unknown) => (error instanceof MeshpactError ? error.code : String(error));

describe('auth-service clients, when auth-service hangs', () => {
  let auth: Awaited<ReturnType<typeof hungServer>>;
  let asked: ReturnType<typeof fetchesTo>;
  beforeEach(async () => {
    auth = await hungServer();
    asked = fetchesTo(auth.url);
  });
  afterEach(async () => {
    asked.restore();
    await auth.close();
  });
  const introspectionClient = () =>
    createIntrospectionClient({
      baseUrl: auth.url,
      clientId: 'backend-api',
      clientSecret: 'secret',
      timeoutMs: 100,
    });

  it('gives up on an introspection after its timeout, then stops asking after three failures', async () => {
    const client = introspectionClient();
    for (let i = 0; i < 3; i += 1) await expect(client.introspect('t')).rejects.toThrow();
    expect(asked.count()).toBe(3);
    const refused = await client.introspect('t').catch((error: unknown) => error);
    expect(code(refused)).toBe('auth_unavailable');
    expect(asked.count()).toBe(3);
  });

  it('fails every question of a batch that times out, and counts the batch as one failure', async () => {
    const client = introspectionClient();
    const together = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((t) => client.introspect(t)),
    );
    expect(together.map((outcome) => outcome.status)).toEqual(Array(4).fill('rejected'));
    expect(asked.count()).toBe(1);
    // One failure, not four: the breaker is still closed, so this question goes out.
    await expect(client.introspect('e')).rejects.toThrow();
    expect(asked.count()).toBe(2);
  });

  it('answers a token it cannot check auth_unavailable, then stops fetching keys after three failures', async () => {
    const verifier = createTokenVerifier({
      jwksUrl: `${auth.url}/.well-known/jwks.json`,
      issuer: auth.url,
      audience: 'meshpact',
      timeoutMs: 100,
    });
    for (let i = 0; i < 3; i += 1)
      expect(code(await verifier.verify(token).catch((error: unknown) => error))).toBe(
        'auth_unavailable',
      );
    expect(asked.count()).toBe(3);
    expect(code(await verifier.verify(token).catch((error: unknown) => error))).toBe(
      'auth_unavailable',
    );
    expect(asked.count()).toBe(3);
    expect(await verifier.keysAvailable()).toBe(false);
    expect(asked.count()).toBe(3);
  });
});
