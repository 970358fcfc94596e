import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/runtime/db.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { publishEvent } from './event-feed.js';
import { RunLeaseLost } from './run-leases.js';
import * as store from './store.js';

// The one way a run's events are written, by its runner and by the sweeper
// that ends a run whose runner died. Each function works in the caller's
// transaction, which must hold the run's row lock (run-leases.ts: holdRun or
// takeLapsedRun): that lock is what makes the next seq, read from the stored
// events, the caller's alone. Each event is stored, with any change of the
// run, and NOTIFYed to the gateways in that transaction; Postgres delivers the
// notification only on commit, so a gateway never announces an event that is
// not stored.

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
 * Stores the run's next event (seq: the last stored one's plus one) and
 * announces it; returns its seq. A writer that retries an attempt whose commit
 * may have landed passes the same `eventId` each time, to look for it.
 */
export async function appendEvent(
  trx: Queryable,
  run: store.RunRow,
  body: EventBody,
  at: Date,
  eventId: string = randomUUID(),
): Promise<number> {
  const event = {
    ...body,
    event_id: eventId,
    run_id: run.id,
    thread_id: run.thread_id,
    agent_name: run.agent_name,
    seq: (await store.lastSeq(trx, run.id)) + 1,
    timestamp: at.toISOString(),
  };
  await store.insertEvent(trx, run.tenant_id, event, at);
  await publishEvent(trx, run.tenant_id, event, run.trace_id);
  return event.seq;
}

/** agent_started (returns its seq), and the run is running. */
export async function appendStarted(
  trx: Queryable,
  run: store.RunRow,
  taskDescription: string,
  at: Date,
  eventId?: string,
): Promise<number> {
  const seq = await appendEvent(
    trx,
    run,
    { type: 'agent_started', task_description: taskDescription },
    at,
    eventId,
  );
  await store.markRunStarted(trx, run.id, at);
  return seq;
}

/** Writes agent_completed (returns its seq); a run that has ended already is not ended again (RunLeaseLost). */
export async function appendCompleted(
  trx: Queryable,
  run: store.RunRow,
  status: RunEnd,
  finalResponse: string,
  at: Date,
  eventId?: string,
): Promise<number> {
  if (!(await store.markRunFinished(trx, run.id, { status, finalResponse, at })))
    throw new RunLeaseLost(run.id);
  const seq = await appendEvent(
    trx,
    run,
    { type: 'agent_completed', status, final_response: finalResponse },
    at,
    eventId,
  );
  // The answer joins the conversation as the assistant's message.
  await store.insertMessage(trx, {
    id: randomUUID(),
    tenant_id: run.tenant_id,
    thread_id: run.thread_id,
    role: 'assistant',
    content: finalResponse,
    run_id: run.id,
    created_at: at,
    idempotency_key: null,
    request_digest: null,
  });
  return seq;
}

/** Ends the run as failed with `reason`, after an agent_started (carrying the reason) if it had none. */
export async function endAsFailed(
  trx: Queryable,
  run: store.RunRow,
  reason: string,
  at: Date,
  eventId?: string,
): Promise<number> {
  if ((await store.lastSeq(trx, run.id)) === 0) await appendStarted(trx, run, reason, at);
  return appendCompleted(trx, run, 'failed', reason, at, eventId);
}
