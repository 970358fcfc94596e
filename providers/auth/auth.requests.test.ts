import { request as httpRequest } from 'node:http';
import { ManualClock } from '../../src/runtime/clock.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { expectProblem, password, register, request } from './test-helpers.js';

describe('auth-service request handling', () => {
  const clock = new ManualClock('2026-03-01T09:00:00Z');
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest({
      clock,
      env: { AUTH_LOGIN_MAX_FAILURES: '3', AUTH_LOGIN_WINDOW: '600' },
    });
  });
  afterAll(() => auth.close());

  const registerBody = (email: string) => ({ email, password, name: 'Body' });

  describe('when a body is bad', () => {
    const json = { 'content-type': 'application/json' };
    it.each([
      [
        'malformed JSON',
        'a',
        (email: string) => ({ raw: `{"email": "${email}"`, headers: json }),
        400,
        'malformed_json',
      ],
      [
        'over 64 KiB',
        'b',
        (email: string) => ({ body: { ...registerBody(email), name: 'x'.repeat(70_000) } }),
        413,
        'payload_too_large',
      ],
      [
        'not JSON',
        'c',
        (email: string) => ({ raw: `email=${email}`, headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      ],
      [
        'with unknown fields',
        'd',
        (email: string) => ({ body: { ...registerBody(email), tenant_id: 'mine' } }),
        422,
        'validation_failed',
      ],
      ['missing', 'e', () => ({ headers: json }), 422, 'validation_failed'],
    ])(
      'answers a body %s with a problem and writes nothing',
      async (_case, who, options, status, code) => {
        const email = `body-${who}@example.com`;
        expectProblem(
          await request(auth.url, 'POST', '/auth/register', options(email)),
          status,
          code,
        );
        // Nothing was half-written: the email is still free.
        await expect(register(auth.url, email)).resolves.toMatchObject({ token_type: 'Bearer' });
      },
    );
  });

  describe('when a request has no body', () => {
    it('logs out on a POST whose chunked body is empty, as a proxy may send it', async () => {
      const session = await register(auth.url, 'chunked@example.com');
      const answer = await postChunked('/auth/logout', [], session.access_token);
      expect(answer.status).toBe(204);
    });

    it('still refuses a chunked body that is not JSON', async () => {
      const session = await register(auth.url, 'chunked-text@example.com');
      const answer = await postChunked('/auth/logout', ['not json'], session.access_token);
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'unsupported_media_type' });
    });

    /** A POST with Transfer-Encoding: chunked and no content type; fetch cannot send one. */
    function postChunked(path: string, chunks: string[], token: string) {
      return new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(new URL(path, auth.url), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    }
  });

  describe('when logins keep failing', () => {
    const login = (email: string, pw: string) =>
      request(auth.url, 'POST', '/auth/login', { body: { email, password: pw } });

    it('answers 429 with Retry-After, even to the right password, until the window passes', async () => {
      await register(auth.url, 'limited@example.com');
      for (let i = 0; i < 3; i++)
        expectProblem(
          await login('limited@example.com', 'wrong password'),
          401,
          'invalid_credentials',
        );

      const limited = await login('limited@example.com', password);
      expectProblem(limited, 429, 'too_many_attempts');
      expect(Number(limited.headers.get('retry-after'))).toBe(600);
      expect(limited.body.retry_after).toBe(600);

      clock.advance(601);
      expect((await login('limited@example.com', password)).status).toBe(200);
    });

    it('limits per email: another account from the same address still logs in', async () => {
      await register(auth.url, 'spared@example.com');
      for (let i = 0; i < 3; i++) await login('victim@example.com', 'guess');
      expectProblem(await login('victim@example.com', 'guess'), 429, 'too_many_attempts');
      expect((await login('spared@example.com', password)).status).toBe(200);
    });

    it('does not believe X-Forwarded-For when no proxy is trusted', async () => {
      for (let i = 0; i < 3; i++) {
        await request(auth.url, 'POST', '/auth/login', {
          body: { email: 'forwarded@example.com', password: 'guess' },
          headers: { 'x-forwarded-for': `203.0.113.${i}` },
        });
      }
      const limited = await request(auth.url, 'POST', '/auth/login', {
        body: { email: 'forwarded@example.com', password: 'guess' },
        headers: { 'x-forwarded-for': '203.0.113.99' },
      });
      expectProblem(limited, 429, 'too_many_attempts');
    });
  });

  describe('when Postgres is gone', () => {
    it('is no longer ready, and says so', async () => {
      const alone = await startAuthForTest();
      try {
        await alone.postgres.stop();
        const ready = await request(alone.url, 'GET', '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toEqual({ status: 'unavailable', checks: { postgres: 'failing' } });
        expect((await request(alone.url, 'GET', '/healthz')).status).toBe(200);
      } finally {
        await alone.close();
      }
    });
  });
});
