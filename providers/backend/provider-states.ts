import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { withTransaction } from '../../src/runtime/db.js';
import type { Run } from '../../src/schemas/types.generated.js';
import {
  callService,
  param,
  StateError,
  type StateContext,
  type StateModule,
  type StateParams,
  type StateValues,
} from '../shared/provider-states.js';
import { PROVIDER_STATES_PATH } from '../shared/provider-states.routes.js';
import type { Authenticator } from './authenticator.js';
import * as store from './store.js';

export interface BackendStateDeps {
  /** backend-api's own database. */
  db: pg.Pool;
  /** The running backend-api (known once it listens): runs are executed by its real runner. */
  url: () => string;
  /** auth-service's base URL (AUTH_URL): alice's account and session are set up there. */
  authUrl: string;
  /** How backend-api reads a token: the signed-in user of a state is whoever its token names. */
  authenticator: Authenticator;
  /** How long "alice has a completed run" waits for the run to finish. */
  runTimeoutMs?: number;
}

/** Every state backend-api serves: the account states first, so their teardown runs last. */
export function backendStateModules(deps: BackendStateDeps): StateModule[] {
  return [accountProviderStates(deps), backendProviderStates(deps)];
}

/** auth-service's states that backend-api's contracts build on. */
const accountStates = ['user alice@example.com is logged in'] as const;

/**
 * The account states of backend-api's contracts, set up by auth-service
 * itself: each is forwarded to auth-service's own state endpoint (running
 * with PACT_PROVIDER_STATES=on, as it is when started for verification), so
 * the account means exactly what it means when auth-service is verified, its
 * token is one auth-service minted, and auth-service's teardown removes the
 * account again (its public API could create one, never remove it). The
 * signed-in user is read from the token, as on any request.
 */
export function accountProviderStates(
  deps: Pick<BackendStateDeps, 'authUrl' | 'authenticator'>,
): StateModule {
  // The interaction's forwarded setup, whose teardown auth-service must see too.
  let forwarded: { state: string; params: StateParams } | undefined;
  const change = (state: string, params: StateParams, action: 'setup' | 'teardown') =>
    callService<StateValues>(state, deps.authUrl, {
      method: 'POST',
      path: PROVIDER_STATES_PATH,
      body: { state, params, action },
    }).catch((error: unknown) => {
      if (error instanceof StateError && error.status === 404)
        throw new StateError(
          `${error.message}: backend-api sets up accounts through auth-service's provider states; start auth-service with PACT_PROVIDER_STATES=on`,
        );
      throw error;
    });
  const states = Object.fromEntries(
    accountStates.map((state) => [
      state,
      {
        async setup(params: StateParams, context: StateContext) {
          forwarded = { state, params };
          const values = await change(state, params, 'setup');
          const token = values.access_token;
          if (typeof token !== 'string')
            throw new StateError(`"${state}": auth-service handed back no access_token`);
          const claims = await deps.authenticator.authenticate(token).catch((error: unknown) => {
            throw new StateError(
              `"${state}": backend-api does not accept the token auth-service handed back: ${(error as Error).message}`,
            );
          });
          context.track(
            { email: claims.email, userId: claims.sub, tenantId: claims.tenant_id },
            { signIn: true },
          );
          return values;
        },
      },
    ]),
  );
  return {
    states,
    async reset() {
      if (!forwarded) return;
      const { state, params } = forwarded;
      forwarded = undefined;
      await change(state, params, 'teardown');
    },
  };
}

/**
 * backend-api's provider states (README, "Provider states"), served at
 * POST /_pact/provider-states when PACT_PROVIDER_STATES=on, after the account
 * states above. "alice" is the account an earlier state of the interaction
 * signed in. Threads and messages are written through the store; a completed
 * run is started and executed by the running service, so its events are the
 * ones the runner really emits.
 */
export function backendProviderStates(
  deps: Pick<BackendStateDeps, 'db' | 'url' | 'runTimeoutMs'>,
): StateModule {
  const thread = async (state: string, context: StateContext, title: string, at = new Date()) => {
    const { tenantId } = context.signedIn(state);
    return store.insertThread(deps.db, {
      id: randomUUID(),
      tenant_id: tenantId,
      title,
      metadata: {},
      created_at: at,
      updated_at: at,
    });
  };

  return {
    states: {
      'alice has a thread': {
        async setup(params, context) {
          const title = param.string('alice has a thread', params, 'title');
          const row = await thread('alice has a thread', context, title);
          return { thread_id: row.id };
        },
      },
      'alice has a thread with messages': {
        async setup(params, context) {
          const state = 'alice has a thread with messages';
          const title = param.string(state, params, 'title');
          const messages = param.strings(state, params, 'messages');
          const { tenantId } = context.signedIn(state);
          const threadId = randomUUID();
          await withTransaction(deps.db, async (trx) => {
            const at = new Date();
            await store.insertThread(trx, {
              id: threadId,
              tenant_id: tenantId,
              title,
              metadata: {},
              created_at: at,
              updated_at: at,
            });
            for (const content of messages) {
              await store.insertMessage(trx, {
                id: randomUUID(),
                tenant_id: tenantId,
                thread_id: threadId,
                role: 'user',
                content,
                run_id: null,
                created_at: at,
                idempotency_key: null,
                request_digest: null,
              });
            }
          });
          return { thread_id: threadId };
        },
      },
      'alice has threads': {
        async setup(params, context) {
          const titles = param.strings('alice has threads', params, 'titles');
          const start = Date.now();
          // In the order given, so the newest-first page lists them in reverse.
          for (const [index, title] of titles.entries())
            await thread('alice has threads', context, title, new Date(start + index));
        },
      },
      'alice has a completed run': {
        async setup(params, context) {
          const state = 'alice has a completed run';
          const input = param.string(state, params, 'input');
          const token = context.need<string>('access_token', state);
          const row = await thread(state, context, 'A completed run');
          const run = await callService<Run>(state, deps.url(), {
            method: 'POST',
            path: `/api/threads/${row.id}/runs`,
            token,
            body: { agent_name: 'calculator', input },
          });
          await untilFinished(deps.url(), state, token, run.id, deps.runTimeoutMs ?? 15_000);
          return { thread_id: row.id, run_id: run.id };
        },
      },
    },
    async reset(context) {
      const tenants = [...context.accounts.values()].flatMap(({ tenantId }) =>
        tenantId ? [tenantId] : [],
      );
      // A run the interaction started goes on after its response. Deleting the
      // tenant's rows under its writes deadlocks with them or fails the run
      // half-way, so the reset waits for it to end first.
      await untilRunsEnded(deps.db, tenants, deps.runTimeoutMs ?? 15_000);
      for (const tenantId of tenants) await store.deleteTenantData(deps.db, tenantId);
    },
  };
}

/**
 * Asks `unfinished` every 20 ms until it names nothing still going; past
 * `timeoutMs` the state fails with `tooLong(what is still going)`.
 */
async function untilEnded(
  unfinished: () => Promise<string | undefined>,
  timeoutMs: number,
  tooLong: (going: string) => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const going = await unfinished();
    if (going === undefined) return;
    if (Date.now() > deadline) throw new StateError(tooLong(going));
    await sleep(20);
  }
}

function untilFinished(
  baseUrl: string,
  state: string,
  token: string,
  runId: string,
  timeoutMs: number,
): Promise<void> {
  return untilEnded(
    async () => {
      const run = await callService<Run>(state, baseUrl, {
        method: 'GET',
        path: `/api/runs/${runId}`,
        token,
      });
      return run.status === 'queued' || run.status === 'running' ? run.status : undefined;
    },
    timeoutMs,
    (status) => `"${state}": run ${runId} was still ${status} after ${timeoutMs} ms`,
  );
}

function untilRunsEnded(db: pg.Pool, tenantIds: string[], timeoutMs: number): Promise<void> {
  return untilEnded(
    async () => {
      const ids = tenantIds.length > 0 ? await store.unfinishedRunIds(db, tenantIds) : [];
      return ids.length > 0 ? ids.join(', ') : undefined;
    },
    timeoutMs,
    (ids) =>
      `the reset waited ${timeoutMs} ms for runs the interaction started to end; still going: ${ids}`,
  );
}
