import { createLogger } from '../../src/runtime/logger.js';
import { expectProblem, request } from '../auth/test-helpers.js';
import { PROVIDER_STATES_PATH } from '../shared/provider-states.routes.js';
import { apiFor } from './test-support.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';

// backend-api's state-change endpoint on real Postgres, with the real
// auth-service behind it: the verifier calls only backend-api's endpoint, and
// alice's account and token come from auth-service's own states.

const alice = { email: 'alice@example.com', password: 'correct horse battery', name: 'Alice' };
const loggedIn = 'user alice@example.com is logged in';
const on = { PACT_PROVIDER_STATES: 'on' };

const changeAt =
  (baseUrl: string) => (state: string, action: string, params?: Record<string, unknown>) =>
    request(baseUrl, 'POST', PROVIDER_STATES_PATH, { body: { state, params, action } });

describe("backend-api's provider states", () => {
  describe('when both services run with PACT_PROVIDER_STATES=on', () => {
    let mesh: MeshUnderTest;
    beforeAll(async () => {
      mesh = await startMeshForTest({ env: on, authEnv: on });
    });
    afterAll(() => mesh.close());
    const change = (state: string, action: string, params?: Record<string, unknown>) =>
      changeAt(mesh.backend.url)(state, action, params);

    it("signs alice in through auth-service's states and seeds her thread; the teardown removes both", async () => {
      const session = await change(loggedIn, 'setup', alice);
      expect(session.status).toBe(200);
      expect(Object.keys(session.body).sort()).toEqual(['access_token', 'refresh_token']);
      const thread = await change('alice has a thread', 'setup', { title: 'Plans' });
      expect(thread.status).toBe(200);
      const api = apiFor(mesh.backend.url, String(session.body.access_token));
      const read = await api.get(`/api/threads/${String(thread.body.thread_id)}`);
      expect({ status: read.status, title: read.body.title }).toEqual({
        status: 200,
        title: 'Plans',
      });

      await change('alice has a thread', 'teardown', { title: 'Plans' });
      await change(loggedIn, 'teardown', alice);

      // The thread is gone from backend-api (reads trust the token's signature, so
      // it still reads), and the account from auth-service.
      const gone = await api.get(`/api/threads/${String(thread.body.thread_id)}`);
      expectProblem(gone, 404, 'thread_not_found');
      expectProblem(
        await request(mesh.auth.url, 'POST', '/auth/login', {
          body: { email: alice.email, password: alice.password },
        }),
        401,
        'invalid_credentials',
      );
    });

    it('runs a completed run on the real runner, with the token an earlier state minted', async () => {
      const session = await change(loggedIn, 'setup', alice);
      const run = await change('alice has a completed run', 'setup', {
        input: 'What is 6*7? [calc 6*7]',
      });
      expect(run.status).toBe(200);
      const api = apiFor(mesh.backend.url, String(session.body.access_token));
      const stored = await api.get(`/api/runs/${String(run.body.run_id)}`);
      expect(stored.body).toMatchObject({ status: 'succeeded', thread_id: run.body.thread_id });
      await change(loggedIn, 'teardown', alice);
    });

    it('answers 422 for a state of alice before anyone signed in', async () => {
      const answer = await change('alice has a thread', 'setup', { title: 'Plans' });
      expectProblem(answer, 422, 'provider_state_failed');
      expect(String(answer.body.detail)).toMatch(/^"alice has a thread" needs a signed-in user/);
    });

    it('answers 400 for a state it does not know, naming its own and the account state it forwards', async () => {
      const answer = await change('a refresh token was already used', 'setup', alice);
      expectProblem(answer, 400, 'provider_state_unknown');
      expect(answer.body.known).toEqual([
        loggedIn,
        'alice has a thread',
        'alice has a thread with messages',
        'alice has threads',
        'alice has a completed run',
      ]);
    });
  });

  describe('when an interaction started a run that is still going', () => {
    // The verifier tears the states down as soon as the interaction's response
    // is in, while the run it started still writes its events.
    const errors: string[] = [];
    let mesh: MeshUnderTest;
    beforeAll(async () => {
      mesh = await startMeshForTest({
        env: { ...on, RUNNER_STEP_DELAY_MS: '5' },
        authEnv: on,
        logger: createLogger({
          level: 'warn',
          destination: { write: (line) => errors.push(line) },
        }),
      });
    });
    afterAll(() => mesh.close());
    const change = (state: string, action: string, params?: Record<string, unknown>) =>
      changeAt(mesh.backend.url)(state, action, params);

    it('the teardown waits for it to end before deleting, 20 times in a row', async () => {
      for (let round = 1; round <= 20; round++) {
        const session = await change(loggedIn, 'setup', alice);
        const thread = await change('alice has a thread', 'setup', { title: `Round ${round}` });
        const api = apiFor(mesh.backend.url, String(session.body.access_token));
        const started = await api.post(`/api/threads/${String(thread.body.thread_id)}/runs`, {
          agent_name: 'calculator',
          input: 'What is 6*7? [calc 6*7]',
        });
        expect(started.status).toBe(202);

        const teardown = await change('alice has a thread', 'teardown', {
          title: `Round ${round}`,
        });
        expect({ round, status: teardown.status }).toEqual({ round, status: 200 });
        await change(loggedIn, 'teardown', alice);
      }
      // A run whose rows were deleted under it fails, and says so in the log.
      expect(errors).toEqual([]);
    }, 300_000);
  });

  describe('when auth-service runs without the switch', () => {
    it('fails the account state, saying auth-service needs PACT_PROVIDER_STATES=on', async () => {
      const mesh = await startMeshForTest({ env: on });
      try {
        const answer = await changeAt(mesh.backend.url)(loggedIn, 'setup', alice);
        expectProblem(answer, 422, 'provider_state_failed');
        expect(String(answer.body.detail)).toMatch(
          /answered 404 .*start auth-service with PACT_PROVIDER_STATES=on$/,
        );
      } finally {
        await mesh.close();
      }
    });
  });

  describe('when backend-api runs without the switch', () => {
    it('has no state-change endpoint', async () => {
      const mesh = await startMeshForTest({ authEnv: on });
      try {
        const answer = await changeAt(mesh.backend.url)(loggedIn, 'setup', alice);
        expectProblem(answer, 404, 'not_found');
      } finally {
        await mesh.close();
      }
    });
  });
});
