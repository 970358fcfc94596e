import { startAuthForTest, type AuthUnderTest } from './testing.js';
import { expectProblem, issueLines, password, request } from './test-helpers.js';

// Text Postgres cannot keep as sent (NUL, lone surrogates) is refused at the
// edge with a 422 naming the field, and nothing is written.

describe('auth-service, given text it cannot store', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    auth = await startAuthForTest();
  });
  afterAll(() => auth.close());

  const registerAs = (email: string, fields: Record<string, unknown> = {}, query = '') =>
    request(auth.url, 'POST', `/auth/register${query}`, {
      body: { email, password, name: 'Alice', ...fields },
    });
  const login = (email: string) =>
    request(auth.url, 'POST', '/auth/login', { body: { email, password } });

  it.each([
    ['NUL in the name', 'nul-name@example.com', { name: 'Ali\u0000ce' }, '/name'],
    ['a lone surrogate in the name', 'surrogate@example.com', { name: 'Ali\ud800ce' }, '/name'],
    [
      'a lone surrogate in the password',
      'pw@example.com',
      { password: `${password}\udfff` },
      '/password',
    ],
  ])('refuses %s with 422 naming it, and registers no one', async (_what, email, fields, path) => {
    const answer = await registerAs(email, fields);
    expectProblem(answer, 422, 'validation_failed');
    expect(issueLines(answer.body)).toHaveLength(1);
    expect(issueLines(answer.body)[0]).toMatch(`${path} `);
    expectProblem(await login(email), 401, 'invalid_credentials');
    expect((await registerAs(email)).status).toBe(201);
  });

  it('refuses NUL in a query value before reading the body', async () => {
    const answer = await registerAs('query@example.com', {}, '?ref=a%00b');
    expectProblem(answer, 422, 'validation_failed');
    expect(issueLines(answer.body)).toEqual(['/ref contains NUL (U+0000), which cannot be stored']);
    expectProblem(await login('query@example.com'), 401, 'invalid_credentials');
  });

  it('refuses a query that is not percent-encoded UTF-8 with 400 problem+json', async () => {
    const answer = await request(auth.url, 'GET', '/.well-known/jwks.json?kid=%ED%A0%80');
    expectProblem(answer, 400, 'malformed_url');
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('says where a body stops being JSON without quoting it', async () => {
    const answer = await request(auth.url, 'POST', '/auth/login', {
      raw: '{"email": "a@example.com", "password": x"hunter2-secret"}',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(answer, 400, 'malformed_json');
    expect(answer.body.detail).toBe('the request body is not valid JSON (at character 39)');
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
  });
});
