import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/runtime/db.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { publishEvents } from './event-feed.js';
import { RunLeaseLost } from './run-leases.js';
import * as store from './store.js';

// The one way a run's events are written, by its runner and by the sweeper
// that ends a run whose runner died. Each function works in the caller's
// transaction, which must hold the row lock of every run it writes to
// (run-leases.ts: holdRun, holdRuns or takeLapsedRun): that lock is what
// makes the next seq, read from the stored events, the caller's alone. Each
// event is stored, with any change of its run, and NOTIFYed to the gateways
// in that transaction; Postgres delivers the notification only on commit, so
// a gateway never announces an event that is not stored.

export type EventBody = AgentEvent extends infer E
  ? E extends AgentEvent
    ? Omit<E, 'event_id' | 'run_id' | 'thread_id' | 'agent_name' | 'seq' | 'timestamp'>
    : never
  : never;

export type RunEnd = 'succeeded' | 'failed' | 'cancelled';

/** The final response of a run ended by another backend because the one running it stopped. */
export const RUN_ABANDONED =
  'The run failed: the backend running it stopped before it ended (its lease lapsed).';

/**
 * One event to store. A writer that retries an attempt whose commit may have
 * landed passes the same `eventId` each time, to look for it.
 */
export interface EventWrite {
  run: store.RunRow;
  body: EventBody;
  eventId?: string;
}

/**
 * Stores each write's event as its run's next (seq: the last stored one's
 * plus one; writes to one run in the order given) and announces them, a few
 * statements for all of them whatever their number; returns their seqs in
 * order. agent_started makes its run running; agent_completed ends its run
 * and adds the final response to the thread as the assistant's message, and a
 * run that has ended already is not ended again (RunLeaseLost).
 */
export async function appendEvents(
  trx: Queryable,
  writes: EventWrite[],
  at: Date,
): Promise<number[]> {
  const runs = new Map(writes.map(({ run }) => [run.id, run]));
  const last = await store.lastSeqs(trx, [...runs.keys()]);
  const events = writes.map(({ run, body, eventId }) => {
    const seq = (last.get(run.id) ?? 0) + 1;
    last.set(run.id, seq);
    const event = {
      ...body,
      event_id: eventId ?? randomUUID(),
      run_id: run.id,
      thread_id: run.thread_id,
      agent_name: run.agent_name,
      seq,
      timestamp: at.toISOString(),
    };
    return { run, event };
  });
  const started = events.filter(({ event }) => event.type === 'agent_started');
  if (started.length > 0)
    await store.markRunsStarted(
      trx,
      started.map(({ run }) => run.id),
      at,
    );
  const ends = events.flatMap(({ run, event }) =>
    event.type === 'agent_completed'
      ? [{ run, status: event.status, finalResponse: event.final_response }]
      : [],
  );
  if (ends.length > 0) {
    const ended = await store.markRunsFinished(
      trx,
      ends.map(({ run, status, finalResponse }) => ({ id: run.id, status, finalResponse })),
      at,
    );
    const again = ends.find(({ run }) => !ended.has(run.id));
    if (again) throw new RunLeaseLost(again.run.id);
    await store.insertAnswers(
      trx,
      ends.map(({ run, finalResponse }) => ({
        id: randomUUID(),
        tenantId: run.tenant_id,
        threadId: run.thread_id,
        runId: run.id,
        content: finalResponse,
      })),
      at,
    );
  }
  await store.insertEvents(
    trx,
    events.map(({ run, event }) => ({ tenantId: run.tenant_id, event })),
    at,
  );
  await publishEvents(
    trx,
    events.map(({ run, event }) => ({ tenantId: run.tenant_id, event, traceId: run.trace_id })),
  );
  return events.map(({ event }) => event.seq);
}

/** Stores the run's next event and announces it; returns its seq. */
export async function appendEvent(
  trx: Queryable,
  run: store.RunRow,
  body: EventBody,
  at: Date,
  eventId?: string,
): Promise<number> {
  const [seq] = await appendEvents(trx, [{ run, body, ...(eventId ? { eventId } : {}) }], at);
  return seq!;
}

/** Ends the run as failed with `reason`, after an agent_started (carrying the reason) if it had none; returns the end's seq. */
export async function endAsFailed(
  trx: Queryable,
  run: store.RunRow,
  reason: string,
  at: Date,
  eventId?: string,
): Promise<number> {
  const started = (await store.lastSeqs(trx, [run.id])).has(run.id);
  const seqs = await appendEvents(
    trx,
    [
      ...(started
        ? []
        : [{ run, body: { type: 'agent_started', task_description: reason } as const }]),
      {
        run,
        body: { type: 'agent_completed', status: 'failed', final_response: reason },
        ...(eventId ? { eventId } : {}),
      },
    ],
    at,
  );
  return seqs[seqs.length - 1]!;
}
