import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, withTransaction, type Pool } from '../../src/runtime/db.js';
import { appendEvent, type EventBody } from '../../providers/backend/run-events.js';
import { claimRuns, holdRun } from '../../providers/backend/run-leases.js';
import * as store from '../../providers/backend/store.js';
import { serve } from './child.js';

// Writes one run's events through the backend's own write path, in a process
// of its own, as a runner does: each event in its own transaction, holding
// the run's lock (holdRun), stored and NOTIFYed by run-events.ts, committed
// before the next. The event's timestamp is taken in that transaction.

const LEASE_MS = 120_000;
/** About the size of a calculator run's reasoning step. */
const REASONING =
  'The user asks for the sum of the numbers in the thread; I will call the calculator ' +
  'with each pair in turn and keep a running total, then check the result once more ' +
  'before answering, so that a rounding slip does not reach the reply.';

let pool: Pool | undefined;

/** The `seq`th of a run of `events`: agent_started, reasoning steps, agent_completed. */
const body = (seq: number, events: number): EventBody =>
  seq === 1
    ? { type: 'agent_started', task_description: 'bench' }
    : seq === events
      ? { type: 'agent_completed', status: 'succeeded', final_response: 'done' }
      : { type: 'agent_thinking', step: seq, reasoning: REASONING };
const owner = randomUUID();
let prepared: store.RunRow | undefined;

serve(
  {
    open({ connectionString }: { connectionString: string }) {
      // Commits not waiting for the disk: a burst is offered faster than any
      // server delivers it at every size, and the delivery side is what is measured.
      const url = new URL(connectionString);
      url.searchParams.set('options', '-c synchronous_commit=off');
      pool = createPool(url.href, { max: 1 });
    },
    /** Stores a queued run of the thread, held by this producer, and returns its id. */
    async prepare({ tenantId, threadId }: { tenantId: string; threadId: string }) {
      const run: store.RunRow = {
        id: randomUUID(),
        tenant_id: tenantId,
        thread_id: threadId,
        agent_name: 'calculator',
        input: 'bench',
        status: 'queued',
        final_response: null,
        created_at: new Date(),
        started_at: null,
        completed_at: null,
        trace_id: null,
      };
      await withTransaction(pool!, async (trx) => {
        await store.insertRun(trx, run);
        await claimRuns(trx, [run.id], owner, LEASE_MS);
      });
      prepared = run;
      return { runId: run.id };
    },
    /**
     * Writes the prepared run's `events` events (agent_started, reasoning
     * steps, agent_completed): as fast as commits go, or `perSecond` evenly
     * spaced. Resolves with the commit rate reached.
     */
    async produce({ events, perSecond }: { events: number; perSecond?: number }) {
      const run = prepared;
      if (!run) throw new Error('produce before prepare');
      prepared = undefined;
      const started = performance.now();
      for (let seq = 1; seq <= events; seq++) {
        if (perSecond !== undefined) {
          const due = started + ((seq - 1) * 1000) / perSecond;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
        }
        await withTransaction(pool!, async (trx) => {
          if (!(await holdRun(trx, run, owner, LEASE_MS))) throw new Error('lost the run');
          await appendEvent(trx, run, body(seq, events), new Date());
        });
      }
      return { eventsPerSecond: events / ((performance.now() - started) / 1000) };
    },
  },
  async () => {
    await pool?.end();
  },
);
