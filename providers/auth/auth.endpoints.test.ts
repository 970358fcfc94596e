import { startAuthForTest, type AuthUnderTest } from './testing.js';
import {
  bearer,
  expectProblem,
  expectSchema,
  introspector,
  password,
  register,
  request,
} from './test-helpers.js';

describe('auth-service endpoints', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest();
  });
  afterAll(() => auth.close());

  describe('POST /auth/register', () => {
    it('creates a user in a tenant of its own and signs them in', async () => {
      const answer = await request(auth.url, 'POST', '/auth/register', {
        body: { email: 'reg@example.com', password, name: 'Reg' },
      });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expectSchema('auth/token-response', answer.body);
      expect(answer.body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 900,
        user: { email: 'reg@example.com' },
      });
      const other = await register(auth.url, 'reg2@example.com');
      expect(other.user.tenant_id).not.toBe((answer.body.user as { tenant_id: string }).tenant_id);
    });

    it('answers 409 email_taken for a taken email, whatever its case', async () => {
      await register(auth.url, 'taken@example.com');
      const again = await request(auth.url, 'POST', '/auth/register', {
        body: { email: 'Taken@Example.com', password, name: 'Copy' },
      });
      expectProblem(again, 409, 'email_taken');
    });

    it('answers 422 validation_failed naming each bad field', async () => {
      const answer = await request(auth.url, 'POST', '/auth/register', {
        body: { email: 'short@example.com', password: 'short', name: 'S', role: 'admin' },
      });
      expectProblem(answer, 422, 'validation_failed');
      expect((answer.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
        '/password',
        '/role',
      ]);
    });
  });

  describe('POST /auth/login', () => {
    it('signs in with the right password', async () => {
      await register(auth.url, 'login@example.com');
      const answer = await request(auth.url, 'POST', '/auth/login', {
        body: { email: 'login@example.com', password },
      });
      expect(answer.status).toBe(200);
      expectSchema('auth/token-response', answer.body);
    });

    it('gives the same 401 invalid_credentials for an unknown email and a wrong password', async () => {
      await register(auth.url, 'known@example.com');
      const wrong = await request(auth.url, 'POST', '/auth/login', {
        body: { email: 'known@example.com', password: 'not the password' },
      });
      const unknown = await request(auth.url, 'POST', '/auth/login', {
        body: { email: 'nobody@example.com', password },
      });
      expectProblem(wrong, 401, 'invalid_credentials');
      const strip = ({ body }: typeof wrong) => ({
        ...body,
        instance: undefined,
        trace_id: undefined,
      });
      expect(strip(unknown)).toEqual(strip(wrong));
    });
  });

  describe('POST /auth/refresh', () => {
    it('trades a refresh token for a new pair', async () => {
      const session = await register(auth.url, 'refresh@example.com');
      const answer = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: session.refresh_token },
      });
      expect(answer.status).toBe(200);
      expectSchema('auth/token-response', answer.body);
      expect(answer.body.refresh_token).not.toBe(session.refresh_token);
    });

    it('answers 401 invalid_refresh_token for a token it never issued', async () => {
      const answer = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: 'x'.repeat(43) },
      });
      expectProblem(answer, 401, 'invalid_refresh_token');
    });
  });

  describe('GET /auth/me and POST /auth/logout', () => {
    it('returns the user of the token, and logout ends the session', async () => {
      const session = await register(auth.url, 'me@example.com', 'Me');
      const me = await request(auth.url, 'GET', '/auth/me', {
        headers: bearer(session.access_token),
      });
      expect(me.status).toBe(200);
      expect(me.body).toEqual(session.user);

      const logout = await request(auth.url, 'POST', '/auth/logout', {
        headers: bearer(session.access_token),
      });
      expect(logout.status).toBe(204);
      expectProblem(
        await request(auth.url, 'GET', '/auth/me', { headers: bearer(session.access_token) }),
        401,
        'unauthorized',
      );
      const refresh = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: session.refresh_token },
      });
      expectProblem(refresh, 401, 'invalid_refresh_token');
    });

    it('keeps other sessions of the user open after a logout', async () => {
      const first = await register(auth.url, 'two@example.com');
      const second = await request(auth.url, 'POST', '/auth/login', {
        body: { email: 'two@example.com', password },
      });
      await request(auth.url, 'POST', '/auth/logout', { headers: bearer(first.access_token) });
      const me = await request(auth.url, 'GET', '/auth/me', {
        headers: bearer(String(second.body.access_token)),
      });
      expect(me.status).toBe(200);
    });

    it('answers 401 unauthorized with a challenge for a missing or garbage token', async () => {
      const missing = await request(auth.url, 'GET', '/auth/me');
      expectProblem(missing, 401, 'unauthorized');
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const garbage = await request(auth.url, 'GET', '/auth/me', { headers: bearer('not.a.jwt') });
      expectProblem(garbage, 401, 'unauthorized');
      expect(garbage.headers.get('www-authenticate')).toContain('invalid_token');
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes the public ES256 key the tokens name, and no private part', async () => {
      const session = await register(auth.url, 'jwks@example.com');
      const answer = await request(auth.url, 'GET', '/.well-known/jwks.json');
      expect(answer.status).toBe(200);
      expectSchema('auth/jwks', answer.body);
      const keys = answer.body.keys as Record<string, unknown>[];
      const kid = (
        JSON.parse(Buffer.from(session.access_token.split('.')[0]!, 'base64url').toString()) as {
          kid: string;
        }
      ).kid;
      expect(keys.map((k) => k.kid)).toContain(kid);
      expect(keys.every((k) => k.alg === 'ES256' && !('d' in k))).toBe(true);
    });
  });

  describe('POST /auth/introspect', () => {
    it('describes an active token to a service with credentials (RFC 7662)', async () => {
      const session = await register(auth.url, 'intro@example.com');
      const answer = await request(auth.url, 'POST', '/auth/introspect', {
        headers: introspector,
        body: { token: session.access_token },
      });
      expect(answer.status).toBe(200);
      expectSchema('auth/introspection-response', answer.body);
      expect(answer.body).toMatchObject({
        active: true,
        sub: session.user.id,
        tenant_id: session.user.tenant_id,
      });
    });

    it('says only active: false for anything else', async () => {
      const answer = await request(auth.url, 'POST', '/auth/introspect', {
        headers: introspector,
        body: { token: 'nope' },
      });
      expect(answer.body).toEqual({ active: false });
    });

    it('answers 401 invalid_client without or with wrong service credentials', async () => {
      const none = await request(auth.url, 'POST', '/auth/introspect', { body: { token: 'x' } });
      expectProblem(none, 401, 'invalid_client');
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
      const wrong = await request(auth.url, 'POST', '/auth/introspect', {
        headers: { authorization: `Basic ${Buffer.from('backend-api:guess').toString('base64')}` },
        body: { token: 'x' },
      });
      expectProblem(wrong, 401, 'invalid_client');
    });
  });

  describe('POST /auth/introspect/batch', () => {
    it('answers each token as /auth/introspect would, in the order asked', async () => {
      const [ann, ben] = [
        await register(auth.url, 'batch-ann@example.com'),
        await register(auth.url, 'batch-ben@example.com'),
      ];
      expect(
        (await request(auth.url, 'POST', '/auth/logout', { headers: bearer(ben.access_token) }))
          .status,
      ).toBe(204);
      const tokens = [
        ben.access_token,
        ann.access_token,
        'nope',
        ann.refresh_token,
        ann.access_token,
      ];
      const answer = await request(auth.url, 'POST', '/auth/introspect/batch', {
        headers: introspector,
        body: { tokens },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expectSchema('auth/introspection-batch-response', answer.body);
      const alone = await Promise.all(
        tokens.map(
          async (token) =>
            (
              await request(auth.url, 'POST', '/auth/introspect', {
                headers: introspector,
                body: { token },
              })
            ).body,
        ),
      );
      expect(answer.body).toEqual({ results: alone });
      expect(alone.map((result) => result.active)).toEqual([false, true, false, false, true]);
      expect(alone[1]).toMatchObject({ sub: ann.user.id });
    });

    it('refuses a batch without service credentials, empty, or over 100 tokens', async () => {
      const none = await request(auth.url, 'POST', '/auth/introspect/batch', {
        body: { tokens: ['x'] },
      });
      expectProblem(none, 401, 'invalid_client');
      const empty = await request(auth.url, 'POST', '/auth/introspect/batch', {
        headers: introspector,
        body: { tokens: [] },
      });
      expectProblem(empty, 422, 'validation_failed');
      const tooMany = await request(auth.url, 'POST', '/auth/introspect/batch', {
        headers: introspector,
        body: { tokens: Array.from({ length: 101 }, () => 'x') },
      });
      expectProblem(tooMany, 422, 'validation_failed');
    });
  });

  describe('health', () => {
    it('is live and ready while Postgres answers', async () => {
      expect((await request(auth.url, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await request(auth.url, 'GET', '/readyz')).body).toEqual({
        status: 'ok',
        checks: { postgres: 'ok' },
      });
    });
  });

  describe('routing', () => {
    it('answers 404 not_found for an unknown path and 405 with Allow for a wrong method', async () => {
      expectProblem(await request(auth.url, 'GET', '/nowhere'), 404, 'not_found');
      const wrongMethod = await request(auth.url, 'GET', '/auth/login');
      expectProblem(wrongMethod, 405, 'method_not_allowed');
      expect(wrongMethod.headers.get('allow')).toBe('POST');
    });
  });
});
