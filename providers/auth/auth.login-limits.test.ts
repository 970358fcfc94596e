import { ManualClock } from '../../src/runtime/clock.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { expectProblem, password, register, request } from './test-helpers.js';

// auth-service behind a reverse proxy on loopback: every request comes from the
// proxy's address, and X-Forwarded-For says whose it is.
describe('login limits behind a trusted proxy', () => {
  const clock = new ManualClock('2026-03-01T09:00:00Z');
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest({
      clock,
      env: {
        AUTH_TRUSTED_PROXIES: 'loopback',
        AUTH_LOGIN_MAX_FAILURES: '3',
        AUTH_LOGIN_MAX_PER_EMAIL: '5',
        AUTH_LOGIN_WINDOW: '600',
      },
    });
  });
  afterAll(() => auth.close());

  const login = (email: string, pw: string, client: string) =>
    request(auth.url, 'POST', '/auth/login', {
      body: { email, password: pw },
      headers: { 'x-forwarded-for': client },
    });

  it('locks out the client that guessed, not everyone behind the proxy', async () => {
    await register(auth.url, 'shared@example.com');
    for (let i = 0; i < 3; i++) {
      expectProblem(
        await login('shared@example.com', 'wrong guess', '203.0.113.1'),
        401,
        'invalid_credentials',
      );
    }
    expectProblem(
      await login('shared@example.com', password, '203.0.113.1'),
      429,
      'too_many_attempts',
    );
    expect((await login('shared@example.com', password, '203.0.113.2')).status).toBe(200);
  });

  it('limits guesses at one email spread over many addresses, whatever the password', async () => {
    await register(auth.url, 'spread@example.com');
    for (let i = 1; i <= 5; i++) {
      expectProblem(
        await login('spread@example.com', 'wrong guess', `198.51.100.${i}`),
        401,
        'invalid_credentials',
      );
    }
    const limited = await login('spread@example.com', password, '198.51.100.77');
    expectProblem(limited, 429, 'too_many_attempts');
    expect(limited.headers.get('retry-after')).toBe('600');
    clock.advance(601);
    expect((await login('spread@example.com', password, '198.51.100.77')).status).toBe(200);
  });

  it('counts attempts in flight at once against each other', async () => {
    await register(auth.url, 'burst@example.com');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => login('burst@example.com', 'wrong guess', '192.0.2.9')),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    // However they interleave, no more passwords are tried than the limit allows.
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
  });
});
