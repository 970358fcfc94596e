import { PROVIDER_STATES_PATH } from '../shared/provider-states.routes.js';
import { bearer, expectProblem, introspector, request } from './test-helpers.js';
import { startAuthForTest, type AuthUnderTest } from './testing.js';

// auth-service's state-change endpoint on real Postgres: states are set up
// through the store and the real service, and torn down again.

const alice = { email: 'alice@example.com', password: 'correct horse battery', name: 'Alice' };

describe("auth-service's provider states", () => {
  describe('when started with PACT_PROVIDER_STATES=on', () => {
    let auth: AuthUnderTest;
    beforeAll(async () => {
      auth = await startAuthForTest({ env: { PACT_PROVIDER_STATES: 'on' } });
    });
    afterAll(() => auth.close());

    const change = (state: string, action: string, params?: Record<string, unknown>) =>
      request(auth.url, 'POST', PROVIDER_STATES_PATH, { body: { state, params, action } });
    const login = () =>
      request(auth.url, 'POST', '/auth/login', {
        body: { email: alice.email, password: alice.password },
      });

    it('logs alice in with a token the service issued, and the teardown removes her', async () => {
      const setup = await change('user alice@example.com is logged in', 'setup', alice);
      expect(setup.status).toBe(200);
      expect(Object.keys(setup.body).sort()).toEqual(['access_token', 'refresh_token']);
      const me = await request(auth.url, 'GET', '/auth/me', {
        headers: bearer(String(setup.body.access_token)),
      });
      expect(me.body).toMatchObject({ email: alice.email, name: alice.name });

      const teardown = await change('user alice@example.com is logged in', 'teardown', alice);
      expect(teardown.status).toBe(200);
      expectProblem(await login(), 401, 'invalid_credentials');
    });

    it('hands back values other interactions inject: spent refresh tokens, logged-out tokens, service credentials', async () => {
      const spent = await change('a refresh token was already used', 'setup', alice);
      const reused = await request(auth.url, 'POST', '/auth/refresh', {
        body: { refresh_token: spent.body.refresh_token },
      });
      expectProblem(reused, 401, 'refresh_token_reused');
      await change('a refresh token was already used', 'teardown', alice);

      const out = await change('a session was logged out', 'setup', alice);
      const introspected = await request(auth.url, 'POST', '/auth/introspect', {
        headers: introspector,
        body: { token: out.body.access_token },
      });
      expect(introspected.body).toEqual({ active: false });
      await change('a session was logged out', 'teardown', alice);

      const credentials = await change('backend-api has introspection credentials', 'setup');
      expect(credentials.body).toEqual({
        basic_credentials: Buffer.from('backend-api:test-introspection-secret').toString('base64'),
      });
    });

    it('removes on teardown an account the interaction itself registered', async () => {
      await change('no account exists for an email', 'setup', { email: 'new@example.com' });
      const registered = await request(auth.url, 'POST', '/auth/register', {
        body: { email: 'new@example.com', password: alice.password, name: 'New' },
      });
      expect(registered.status).toBe(201);

      await change('no account exists for an email', 'teardown', { email: 'new@example.com' });
      const again = await request(auth.url, 'POST', '/auth/register', {
        body: { email: 'new@example.com', password: alice.password, name: 'New' },
      });
      expect(again.status).toBe(201);
    });

    it('answers 400 for a state it does not know, naming its own', async () => {
      const answer = await change('alice has a thread', 'setup', { title: 'Plans' });
      expectProblem(answer, 400, 'provider_state_unknown');
      expect(answer.body.known).toEqual(
        expect.arrayContaining(['user alice@example.com is logged in', 'a session was logged out']),
      );
    });

    it('answers 422 for a state missing a parameter', async () => {
      const answer = await change('user alice@example.com exists', 'setup', { email: alice.email });
      expectProblem(answer, 422, 'provider_state_failed');
      expect(answer.body.detail).toBe(
        '"user alice@example.com exists" needs the parameter password (a string)',
      );
    });
  });

  describe('when started without the switch', () => {
    it('has no state-change endpoint', async () => {
      const auth = await startAuthForTest();
      try {
        const answer = await request(auth.url, 'POST', PROVIDER_STATES_PATH, {
          body: { state: 'user alice@example.com exists', params: alice, action: 'setup' },
        });
        expectProblem(answer, 404, 'not_found');
        expectProblem(
          await request(auth.url, 'POST', '/auth/login', {
            body: { email: alice.email, password: alice.password },
          }),
          401,
          'invalid_credentials',
        );
      } finally {
        await auth.close();
      }
    });
  });
});
