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
} from '../../src/verify/states.js';
import * as store from './store.js';

export interface BackendStateDeps {
  /** backend-api's own database. */
  db: pg.Pool;
  /** The running backend-api: runs are executed by its real runner. */
  url: string;
  /** How long "alice has a completed run" waits for the run to finish. */
  runTimeoutMs?: number;
}

/**
 * backend-api's provider states (README, "Provider states"). "alice" is the
 * account an earlier state of the interaction signed in. Threads and messages
 * are written through the store; a completed run is started and executed by
 * the running service, so its events are the ones the runner really emits.
 */
export function backendProviderStates(deps: BackendStateDeps): StateModule {
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
          const run = await callService<Run>(state, deps.url, {
            method: 'POST',
            path: `/api/threads/${row.id}/runs`,
            token,
            body: { agent_name: 'calculator', input },
          });
          await untilFinished(deps.url, state, token, run.id, deps.runTimeoutMs ?? 15_000);
          return { thread_id: row.id, run_id: run.id };
        },
      },
      'a run of the calculator agent': {
        setup(params, context) {
          const state = 'a run of the calculator agent';
          const input = param.string(state, params, 'input');
          context.need<string>('thread_id', state);
          // The run itself is started by whoever watches it (the socket driver), on that thread.
          return Promise.resolve({ run_input: input, agent_name: 'calculator' });
        },
      },
    },
    async reset(context) {
      for (const { tenantId } of context.accounts.values())
        if (tenantId) await store.deleteTenantData(deps.db, tenantId);
    },
  };
}

async function untilFinished(
  baseUrl: string,
  state: string,
  token: string,
  runId: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await callService<Run>(state, baseUrl, {
      method: 'GET',
      path: `/api/runs/${runId}`,
      token,
    });
    if (run.status !== 'queued' && run.status !== 'running') return;
    if (Date.now() > deadline)
      throw new StateError(
        `"${state}": run ${runId} was still ${run.status} after ${timeoutMs} ms`,
      );
    await sleep(20);
  }
}
