import { createServer } from 'node:http';
import express from 'express';
import { accessLog } from '../../src/http/access-log.js';
import { notFound, problemHandler } from '../../src/http/problems.js';
import { listen, type Listening } from '../../src/runtime/listen.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { expectProblem, request } from '../auth/test-helpers.js';
import { StateError, type StateModule } from './provider-states.js';
import { PROVIDER_STATES_PATH, providerStatesRoutes } from './provider-states.routes.js';

// The state-change endpoint on a real HTTP server, with states that keep
// their data in memory: Pact's protocol, and what it answers when asked wrong.

const path = PROVIDER_STATES_PATH;

describe('providerStatesRoutes', () => {
  let server: Listening;
  const shelf = new Map<string, string>();
  const resets: string[] = [];

  const accounts: StateModule = {
    states: {
      'user bob exists': {
        setup(params, context) {
          context.track(
            { email: 'bob@example.com', userId: 'u1', tenantId: 't1' },
            { signIn: true },
          );
          return Promise.resolve({ user_id: 'u1', greeting: params.greeting });
        },
      },
    },
    reset: (context) => (resets.push(`accounts: ${context.accounts.size}`), Promise.resolve()),
  };
  const items: StateModule = {
    states: {
      'bob has an item': {
        setup(params, context) {
          const { tenantId } = context.signedIn('bob has an item');
          const name = typeof params.name === 'string' ? params.name : '';
          if (!name) throw new StateError('"bob has an item" needs the parameter name (a string)');
          shelf.set(name, tenantId);
          return Promise.resolve({ item: name, after: context.need('user_id', 'bob has an item') });
        },
      },
      'the shelf is quiet': { setup: () => Promise.resolve() },
    },
    reset: () => (resets.push('items'), shelf.clear(), Promise.resolve()),
  };

  beforeAll(async () => {
    const app = express();
    app.use(accessLog(silentLogger));
    providerStatesRoutes(app, [accounts, items]);
    app.use(notFound, problemHandler(silentLogger));
    server = await listen(createServer(app));
  });
  afterAll(() => server.close());
  afterEach(async () => {
    await request(server.url, 'POST', path, { body: { state: '', action: 'teardown' } });
    resets.length = 0;
  });

  const change = (state: string, action: string, params?: Record<string, unknown>) =>
    request(server.url, 'POST', path, { body: { state, action, ...(params ? { params } : {}) } });

  describe('when a state is set up', () => {
    it('answers 200 with the values it hands back, and later states of the interaction build on it', async () => {
      const bob = await change('user bob exists', 'setup', { greeting: 'hi' });
      expect({ status: bob.status, body: bob.body }).toEqual({
        status: 200,
        body: { user_id: 'u1', greeting: 'hi' },
      });
      expect(bob.headers.get('content-type')).toMatch(/^application\/json/);

      const item = await change('bob has an item', 'setup', { name: 'lamp' });
      expect({ status: item.status, body: item.body }).toEqual({
        status: 200,
        body: { item: 'lamp', after: 'u1' },
      });
      expect(shelf.get('lamp')).toBe('t1');
    });

    it('answers an empty object for a state without values, and for the empty state', async () => {
      for (const state of ['the shelf is quiet', '']) {
        const answer = await change(state, 'setup');
        expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: {} });
      }
    });
  });

  describe('when the state is not known', () => {
    it('answers 400 provider_state_unknown naming it and the known ones', async () => {
      const answer = await change('bob has a boat', 'setup');
      expectProblem(answer, 400, 'provider_state_unknown');
      expect(answer.body).toMatchObject({
        detail:
          'no provider state is named "bob has a boat" (known: user bob exists, bob has an item, the shelf is quiet)',
        state: 'bob has a boat',
        known: ['user bob exists', 'bob has an item', 'the shelf is quiet'],
      });
    });
  });

  describe('when a state cannot be set up with what it was given', () => {
    it('answers 422 provider_state_failed saying why, for a missing parameter', async () => {
      await change('user bob exists', 'setup');
      const answer = await change('bob has an item', 'setup', {});
      expectProblem(answer, 422, 'provider_state_failed');
      expect(answer.body).toMatchObject({
        state: 'bob has an item',
        detail: '"bob has an item" needs the parameter name (a string)',
      });
    });

    it('answers 422 when a state it builds on did not come first', async () => {
      const answer = await change('bob has an item', 'setup', { name: 'lamp' });
      expectProblem(answer, 422, 'provider_state_failed');
      expect(String(answer.body.detail)).toMatch(/^"bob has an item" needs a signed-in user/);
    });
  });

  describe('when the interaction is torn down', () => {
    it('undoes what its setups created, newest module first, and forgets the interaction', async () => {
      await change('user bob exists', 'setup');
      await change('bob has an item', 'setup', { name: 'lamp' });

      const answer = await change('bob has an item', 'teardown', { name: 'lamp' });
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: {} });
      expect(resets).toEqual(['items', 'accounts: 1']);
      expect(shelf.size).toBe(0);

      // Pact tears down each state; the ones after the first find nothing left.
      await change('user bob exists', 'teardown');
      expect(resets).toEqual(['items', 'accounts: 1', 'items', 'accounts: 0']);
      const again = await change('bob has an item', 'setup', { name: 'lamp' });
      expectProblem(again, 422, 'provider_state_failed');
    });
  });

  describe('when the request is not a state change', () => {
    it('answers 422 validation_failed for a body without an action', async () => {
      const answer = await request(server.url, 'POST', path, {
        body: { state: 'user bob exists' },
      });
      expectProblem(answer, 422, 'validation_failed');
      expect((answer.body.errors as { path: string }[]).map((e) => e.path)).toEqual(['/action']);
    });

    it('answers 405 for another method', async () => {
      const answer = await request(server.url, 'GET', path);
      expectProblem(answer, 405, 'method_not_allowed');
    });
  });

  it('refuses two modules that define the same state', () => {
    expect(() => providerStatesRoutes(express(), [items, items])).toThrow(
      'provider state "bob has an item" is defined twice',
    );
  });
});
