import type { Queryable } from '../../src/runtime/db.js';
import type {
  AgentEvent,
  Message,
  Run,
  Thread,
  ThreadMetadata,
} from '../../src/schemas/types.generated.js';
import type { Position } from './cursor.js';

// backend-api's repository: Queryable first, tenant second, rows snake_case
// until their mapper. Every read and write is scoped by tenant_id, so a row of
// another tenant is indistinguishable from a missing one.

export interface ThreadRow {
  id: string;
  tenant_id: string;
  title: string;
  metadata: ThreadMetadata;
  created_at: Date;
  updated_at: Date;
}

export const toThread = (row: ThreadRow): Thread => ({
  id: row.id,
  title: row.title,
  metadata: row.metadata,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export async function insertThread(db: Queryable, row: ThreadRow): Promise<ThreadRow> {
  await db.query(
    `INSERT INTO backend_threads (id, tenant_id, title, metadata, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [row.id, row.tenant_id, row.title, row.metadata, row.created_at, row.updated_at],
  );
  return row;
}

export async function findThread(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(
    'SELECT * FROM backend_threads WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rows[0];
}

/**
 * Whether the tenant's thread exists, holding it (FOR KEY SHARE) until the
 * transaction ends, so it cannot be deleted under a run being inserted.
 */
export async function holdThread(trx: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rows } = await trx.query(
    'SELECT 1 FROM backend_threads WHERE tenant_id = $1 AND id = $2 FOR KEY SHARE',
    [tenantId, id],
  );
  return rows.length === 1;
}

/** Newest first; `limit + 1` rows are read to know whether another page exists. */
export async function listThreads(
  db: Queryable,
  tenantId: string,
  page: { limit: number; after?: Position },
): Promise<ThreadRow[]> {
  const { rows } = await db.query<ThreadRow>(
    `SELECT * FROM backend_threads
      WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
      ORDER BY created_at DESC, id DESC
      LIMIT $4`,
    [tenantId, page.after?.at ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return rows;
}

export async function updateThread(
  db: Queryable,
  tenantId: string,
  id: string,
  patch: { title?: string; metadata?: ThreadMetadata },
  at: Date,
): Promise<ThreadRow | undefined> {
  const { rows } = await db.query<ThreadRow>(
    `UPDATE backend_threads
        SET title = COALESCE($3, title), metadata = COALESCE($4, metadata), updated_at = $5
      WHERE tenant_id = $1 AND id = $2
      RETURNING *`,
    [tenantId, id, patch.title ?? null, patch.metadata ?? null, at],
  );
  return rows[0];
}

export async function deleteThread(db: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM backend_threads WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rowCount === 1;
}

/** The runs of these tenants that have not ended yet. */
export async function unfinishedRunIds(db: Queryable, tenantIds: string[]): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM backend_runs WHERE tenant_id = ANY($1) AND status IN ('queued', 'running') ORDER BY id",
    [tenantIds],
  );
  return rows.map((row) => row.id);
}

/** Removes all a tenant has: threads, and with them their messages, runs and events. */
export async function deleteTenantData(db: Queryable, tenantId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM backend_threads WHERE tenant_id = $1', [
    tenantId,
  ]);
  return rowCount ?? 0;
}

// --- messages ---------------------------------------------------------------

export interface MessageRow {
  id: string;
  tenant_id: string;
  thread_id: string;
  role: 'user' | 'assistant';
  content: string;
  run_id: string | null;
  created_at: Date;
  idempotency_key: string | null;
  request_digest: string | null;
  /** Creation order, numbered by Postgres on insert (a bigint, so pg hands it over as text). */
  seq: string;
}

export const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  thread_id: row.thread_id,
  role: row.role,
  content: row.content,
  run_id: row.run_id,
  created_at: row.created_at.toISOString(),
});

/**
 * Frees an Idempotency-Key of a thread that was used before `before`: the
 * message stays, the key no longer replays it. The unique index then lets the
 * next insert take the key; a concurrent request racing for it still meets
 * that index, so at most one of them creates a message.
 */
export async function releaseIdempotencyKey(
  db: Queryable,
  threadId: string,
  key: string,
  before: Date,
): Promise<void> {
  await db.query(
    `UPDATE backend_messages SET idempotency_key = NULL, request_digest = NULL
      WHERE thread_id = $1 AND idempotency_key = $2 AND created_at <= $3`,
    [threadId, key, before],
  );
}

/** Inserts unless the thread already has a message with this idempotency key; returns the stored row either way. */
export async function insertMessage(
  db: Queryable,
  row: Omit<MessageRow, 'seq'>,
): Promise<{ row: MessageRow; created: boolean }> {
  const { rows } = await db.query<MessageRow>(
    `INSERT INTO backend_messages
       (id, tenant_id, thread_id, role, content, run_id, created_at, idempotency_key, request_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (thread_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING *`,
    [
      row.id,
      row.tenant_id,
      row.thread_id,
      row.role,
      row.content,
      row.run_id,
      row.created_at,
      row.idempotency_key,
      row.request_digest,
    ],
  );
  if (rows[0]) return { row: rows[0], created: true };
  const existing = await db.query<MessageRow>(
    'SELECT * FROM backend_messages WHERE thread_id = $1 AND idempotency_key = $2',
    [row.thread_id, row.idempotency_key],
  );
  return { row: existing.rows[0]!, created: false };
}

export async function findMessage(
  db: Queryable,
  tenantId: string,
  threadId: string,
  id: string,
): Promise<MessageRow | undefined> {
  const { rows } = await db.query<MessageRow>(
    'SELECT * FROM backend_messages WHERE tenant_id = $1 AND thread_id = $2 AND id = $3',
    [tenantId, threadId, id],
  );
  return rows[0];
}

/** The creation-order number of a message of the thread, if it has one with this id. */
export async function messageSeq(
  db: Queryable,
  tenantId: string,
  threadId: string,
  id: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ seq: string }>(
    'SELECT seq FROM backend_messages WHERE tenant_id = $1 AND thread_id = $2 AND id = $3',
    [tenantId, threadId, id],
  );
  return rows[0]?.seq;
}

/** Oldest first (creation order), so a conversation reads in order. */
export async function listMessages(
  db: Queryable,
  tenantId: string,
  threadId: string,
  page: { limit: number; afterSeq?: string },
): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `SELECT * FROM backend_messages
      WHERE tenant_id = $1 AND thread_id = $2 AND ($3::bigint IS NULL OR seq > $3)
      ORDER BY seq
      LIMIT $4`,
    [tenantId, threadId, page.afterSeq ?? null, page.limit + 1],
  );
  return rows;
}

// --- runs -------------------------------------------------------------------

export interface RunRow {
  id: string;
  tenant_id: string;
  thread_id: string;
  agent_name: string;
  input: string;
  status: Run['status'];
  final_response: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  /** The trace of the request that started it; null for runs stored before traces were kept. */
  trace_id: string | null;
}

export function toRun(row: RunRow): Run {
  const run: Run = {
    id: row.id,
    thread_id: row.thread_id,
    agent_name: row.agent_name,
    status: row.status,
    input: row.input,
    created_at: row.created_at.toISOString(),
  };
  if (row.started_at) run.started_at = row.started_at.toISOString();
  if (row.completed_at) run.completed_at = row.completed_at.toISOString();
  if (row.final_response !== null) run.final_response = row.final_response;
  return run;
}

export async function insertRun(db: Queryable, row: RunRow): Promise<RunRow> {
  await db.query(
    `INSERT INTO backend_runs (id, tenant_id, thread_id, agent_name, input, status, created_at, trace_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      row.id,
      row.tenant_id,
      row.thread_id,
      row.agent_name,
      row.input,
      row.status,
      row.created_at,
      row.trace_id,
    ],
  );
  return row;
}

/** insertRun for many runs, in one statement. */
export async function insertRuns(db: Queryable, rows: readonly RunRow[]): Promise<void> {
  await db.query(
    `INSERT INTO backend_runs (id, tenant_id, thread_id, agent_name, input, status, created_at, trace_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                          $7::timestamptz[], $8::text[])`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.tenant_id),
      rows.map((row) => row.thread_id),
      rows.map((row) => row.agent_name),
      rows.map((row) => row.input),
      rows.map((row) => row.status),
      rows.map((row) => row.created_at),
      rows.map((row) => row.trace_id),
    ],
  );
}

export async function findRun(
  db: Queryable,
  tenantId: string,
  id: string,
): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    'SELECT * FROM backend_runs WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rows[0];
}

/** Marks the unfinished ones of these runs running. */
export async function markRunsStarted(db: Queryable, ids: string[], at: Date): Promise<void> {
  await db.query(
    `UPDATE backend_runs SET status = 'running', started_at = $2
      WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'running')`,
    [ids, at],
  );
}

export interface RunOutcome {
  id: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  finalResponse: string;
}

/**
 * Ends each run unless it has ended already; returns the ids it ended. The
 * check is in the UPDATE itself, so of two writers racing to end one run only
 * one succeeds.
 */
export async function markRunsFinished(
  db: Queryable,
  outcomes: RunOutcome[],
  at: Date,
): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE backend_runs r SET status = o.status, final_response = o.final_response, completed_at = $4
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS o (id, status, final_response)
      WHERE r.id = o.id AND r.status IN ('queued', 'running')
      RETURNING r.id`,
    [
      outcomes.map((o) => o.id),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.finalResponse),
      at,
    ],
  );
  return new Set(rows.map((row) => row.id));
}

/** The final responses of ended runs, as the assistant's messages of their threads. */
export async function insertAnswers(
  db: Queryable,
  answers: { id: string; tenantId: string; threadId: string; runId: string; content: string }[],
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO backend_messages (id, tenant_id, thread_id, role, content, run_id, created_at)
     SELECT id, tenant_id, thread_id, 'assistant', content, run_id, $6
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[])
         AS a (id, tenant_id, thread_id, run_id, content)`,
    [
      answers.map((a) => a.id),
      answers.map((a) => a.tenantId),
      answers.map((a) => a.threadId),
      answers.map((a) => a.runId),
      answers.map((a) => a.content),
      at,
    ],
  );
}

// --- run events -------------------------------------------------------------

/**
 * Stores events, of one run or many, in one statement: the events travel as
 * one JSON array, and the array of their tenants pairs with it element by
 * element.
 */
export async function insertEvents(
  db: Queryable,
  events: { tenantId: string; event: AgentEvent }[],
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO backend_run_events (run_id, seq, tenant_id, thread_id, event, created_at)
     SELECT (event->>'run_id')::uuid, (event->>'seq')::int, tenant_id, (event->>'thread_id')::uuid, event, $3
       FROM ROWS FROM (jsonb_array_elements($1::jsonb), unnest($2::uuid[])) AS e (event, tenant_id)`,
    [JSON.stringify(events.map((e) => e.event)), events.map((e) => e.tenantId), at],
  );
}

/** The seqs the events `eventIds` of these runs are stored as, by event id (a write whose commit was cut off may be stored). */
export async function seqsOfEvents(
  db: Queryable,
  runIds: string[],
  eventIds: string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ event_id: string; seq: number }>(
    `SELECT event->>'event_id' AS event_id, seq FROM backend_run_events
      WHERE run_id = ANY($1::uuid[]) AND event->>'event_id' = ANY($2::text[])`,
    [runIds, eventIds],
  );
  return new Map(rows.map((row) => [row.event_id, row.seq]));
}

/** The seq of each run's last stored event; a run without events has no entry. */
export async function lastSeqs(db: Queryable, runIds: string[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ run_id: string; seq: number }>(
    `SELECT run_id, max(seq)::int AS seq FROM backend_run_events
      WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
    [runIds],
  );
  return new Map(rows.map((row) => [row.run_id, row.seq]));
}

/** Events of a run with `after < seq`, in order; `before` bounds them from above when given. */
export async function listEvents(
  db: Queryable,
  tenantId: string,
  runId: string,
  range: { after: number; before?: number; limit?: number },
): Promise<AgentEvent[]> {
  const { rows } = await db.query<{ event: AgentEvent }>(
    `SELECT event FROM backend_run_events
      WHERE tenant_id = $1 AND run_id = $2 AND seq > $3 AND ($4::int IS NULL OR seq < $4)
      ORDER BY seq
      LIMIT $5`,
    [tenantId, runId, range.after, range.before ?? null, range.limit ?? null],
  );
  return rows.map((row) => row.event);
}

/**
 * Runs of the given threads with events stored at or after the thread's
 * `since`, each with the first such seq and its trace: what a subscriber could have missed.
 */
export async function runsWithEventsSince(
  db: Queryable,
  tenantId: string,
  threads: { threadId: string; since: Date }[],
): Promise<{ run_id: string; first_seq: number; trace_id: string | null }[]> {
  const { rows } = await db.query<{ run_id: string; first_seq: number; trace_id: string | null }>(
    `SELECT e.run_id, min(e.seq) AS first_seq, r.trace_id
       FROM unnest($2::uuid[], $3::timestamptz[]) AS s (thread_id, since)
       JOIN backend_runs r ON r.thread_id = s.thread_id AND r.tenant_id = $1
       JOIN backend_run_events e ON e.run_id = r.id AND e.created_at >= s.since
      GROUP BY e.run_id, r.trace_id`,
    [tenantId, threads.map((t) => t.threadId), threads.map((t) => t.since)],
  );
  return rows;
}

// --- search (the agent's tool) ------------------------------------------------

export interface SearchHit {
  thread_id: string;
  title: string;
  snippet: string;
}

/** Threads of the tenant whose title or messages contain `query` (case-insensitive), best first. */
export async function searchTenant(
  db: Queryable,
  tenantId: string,
  query: string,
  limit: number,
): Promise<SearchHit[]> {
  const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await db.query<SearchHit>(
    `SELECT t.id AS thread_id, t.title,
            COALESCE((SELECT m.content FROM backend_messages m
                       WHERE m.thread_id = t.id AND m.content ILIKE $2
                       ORDER BY m.seq LIMIT 1), t.title) AS snippet
       FROM backend_threads t
      WHERE t.tenant_id = $1
        AND (t.title ILIKE $2 OR EXISTS (SELECT 1 FROM backend_messages m
                                           WHERE m.thread_id = t.id AND m.content ILIKE $2))
      ORDER BY t.created_at, t.id
      LIMIT $3`,
    [tenantId, pattern, limit],
  );
  return rows.map((row) => ({ ...row, snippet: row.snippet.slice(0, 200) }));
}
