import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { MeshpactError, validationFailed } from '../../src/errors/meshpact-error.js';
import type { Clock } from '../../src/runtime/clock.js';
import type {
  MessageCreateRequest,
  MessagePage,
  Message,
  Run,
  RunCreateRequest,
  RunEventPage,
  Thread,
  ThreadCreateRequest,
  ThreadPage,
  ThreadUpdateRequest,
} from '../../src/schemas/types.generated.js';
import { agentNames } from './agent.js';
import { cursorRefused, encodeCursor, type Position } from './cursor.js';
import { threadNotFound } from './not-found.js';
import type { RunLimits, Starter } from './run-limits.js';
import { RunStarts } from './run-starts.js';
import type { AgentRunner } from './runner.js';
import * as store from './store.js';

export interface BackendDeps {
  db: pg.Pool;
  clock: Clock;
  runner: AgentRunner;
  runLimits: RunLimits;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Refuses an id that cannot exist before it reaches SQL (Postgres would reject a non-uuid). */
export function assertUuid(value: string, name: string): void {
  if (!UUID.test(value))
    throw validationFailed('path', [{ path: `/${name}`, message: 'must match format "uuid"' }]);
}

export function requireAgent(name: string): void {
  if (!agentNames.has(name)) {
    throw new MeshpactError(
      'agent_not_found',
      `no agent is named "${name}"; the agents are ${[...agentNames].join(', ')}`,
    );
  }
}

/** How long an Idempotency-Key replays its message (backend.yaml: "kept for 24 hours"). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Threads, messages and runs of one tenant at a time: the tenant always comes
 * from the caller's token, never from a body, and another tenant's row answers
 * exactly as a missing one.
 */
export class BackendService {
  readonly #deps: BackendDeps;

  readonly #runStarts: RunStarts;

  constructor(deps: BackendDeps) {
    this.#deps = deps;
    this.#runStarts = new RunStarts({
      db: deps.db,
      limits: deps.runLimits,
      claim: (trx, ...runIds) => deps.runner.claim(trx, ...runIds),
    });
  }

  async createThread(tenantId: string, request: ThreadCreateRequest): Promise<Thread> {
    const now = this.#deps.clock.now();
    const row = await store.insertThread(this.#deps.db, {
      id: randomUUID(),
      tenant_id: tenantId,
      title: request.title,
      metadata: request.metadata ?? {},
      created_at: now,
      updated_at: now,
    });
    return store.toThread(row);
  }

  async listThreads(
    tenantId: string,
    page: { limit: number; after?: Position },
  ): Promise<ThreadPage> {
    const rows = await store.listThreads(this.#deps.db, tenantId, page);
    return {
      items: rows.slice(0, page.limit).map(store.toThread),
      next_cursor: nextCursor(rows, page.limit),
    };
  }

  async getThread(tenantId: string, id: string): Promise<Thread> {
    return store.toThread(await this.requireThread(tenantId, id));
  }

  async updateThread(tenantId: string, id: string, patch: ThreadUpdateRequest): Promise<Thread> {
    assertUuid(id, 'thread_id');
    const row = await store.updateThread(
      this.#deps.db,
      tenantId,
      id,
      patch,
      this.#deps.clock.now(),
    );
    if (!row) throw threadNotFound();
    return store.toThread(row);
  }

  async deleteThread(tenantId: string, id: string): Promise<void> {
    assertUuid(id, 'thread_id');
    if (!(await store.deleteThread(this.#deps.db, tenantId, id))) throw threadNotFound();
  }

  async listMessages(
    tenantId: string,
    threadId: string,
    page: { limit: number; after?: Position },
  ): Promise<MessagePage> {
    await this.requireThread(tenantId, threadId);
    // A message's place in the thread is its seq, found from the id in the
    // cursor; so cursors keep the one format thread pages use, and those
    // written before messages had a seq still work.
    let afterSeq: string | undefined;
    if (page.after) {
      afterSeq = await store.messageSeq(this.#deps.db, tenantId, threadId, page.after.id);
      if (afterSeq === undefined) throw cursorRefused();
    }
    const rows = await store.listMessages(this.#deps.db, tenantId, threadId, {
      limit: page.limit,
      ...(afterSeq === undefined ? {} : { afterSeq }),
    });
    return {
      items: rows.slice(0, page.limit).map(store.toMessage),
      next_cursor: nextCursor(rows, page.limit),
    };
  }

  async getMessage(tenantId: string, threadId: string, id: string): Promise<Message> {
    await this.requireThread(tenantId, threadId);
    assertUuid(id, 'message_id');
    const row = await store.findMessage(this.#deps.db, tenantId, threadId, id);
    if (!row) throw new MeshpactError('message_not_found', 'no such message in this thread');
    return store.toMessage(row);
  }

  /**
   * With an Idempotency-Key, a retried request returns the message the first
   * one created (`replayed: true`) instead of a second copy; the same key with
   * a different body is a conflict. After IDEMPOTENCY_KEY_TTL_MS (by the
   * injected clock) the key is free again and makes a new message.
   */
  async postMessage(
    tenantId: string,
    threadId: string,
    request: MessageCreateRequest,
    idempotencyKey?: string,
  ): Promise<{ message: Message; replayed: boolean }> {
    await this.requireThread(tenantId, threadId);
    const digest = createHash('sha256')
      .update(JSON.stringify([request.role, request.content]))
      .digest('hex');
    const now = this.#deps.clock.now();
    if (idempotencyKey !== undefined) {
      const expired = new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS);
      await store.releaseIdempotencyKey(this.#deps.db, threadId, idempotencyKey, expired);
    }
    const { row, created } = await store.insertMessage(this.#deps.db, {
      id: randomUUID(),
      tenant_id: tenantId,
      thread_id: threadId,
      role: request.role,
      content: request.content,
      run_id: null,
      created_at: now,
      idempotency_key: idempotencyKey ?? null,
      request_digest: idempotencyKey === undefined ? null : digest,
    });
    if (!created && row.request_digest !== digest) {
      throw new MeshpactError(
        'idempotency_key_reused',
        'this Idempotency-Key was used for a different message',
      );
    }
    return { message: store.toMessage(row), replayed: !created };
  }

  /**
   * A queued run; the runner takes it from there, and its events follow on /ws
   * and in replay. 404 `thread_not_found` unless the thread is the starter's
   * tenant's; within the starter's run limits, or 429 `rate_limited`.
   * `traceId`, the trace of the request that starts it, is kept with the run
   * for the log lines of its events.
   */
  async startRun(
    starter: Starter,
    threadId: string,
    request: RunCreateRequest,
    traceId: string,
  ): Promise<Run> {
    // The thread is checked in the start's own transaction (run-starts.ts), with its tenant.
    assertUuid(threadId, 'thread_id');
    requireAgent(request.agent_name);
    const now = this.#deps.clock.now();
    const run: store.RunRow = {
      id: randomUUID(),
      tenant_id: starter.tenantId,
      thread_id: threadId,
      agent_name: request.agent_name,
      input: request.input,
      status: 'queued',
      final_response: null,
      created_at: now,
      started_at: null,
      completed_at: null,
      trace_id: traceId,
    };
    await this.#runStarts.insert(starter, run);
    this.#deps.runner.start(run);
    const { id, thread_id, agent_name, status, created_at } = store.toRun(run);
    return { id, thread_id, agent_name, status, created_at };
  }

  async getRun(tenantId: string, id: string): Promise<Run> {
    return store.toRun(await this.requireRun(tenantId, id));
  }

  async runEvents(
    tenantId: string,
    runId: string,
    afterSeq: number,
    limit: number,
  ): Promise<RunEventPage> {
    await this.requireRun(tenantId, runId);
    const events = await store.listEvents(this.#deps.db, tenantId, runId, {
      after: afterSeq,
      limit: limit + 1,
    });
    const items = events.slice(0, limit);
    const last = items[items.length - 1];
    return {
      run_id: runId,
      items,
      next_after_seq: events.length > limit && last ? last.seq : null,
    };
  }

  async requireThread(tenantId: string, id: string): Promise<store.ThreadRow> {
    assertUuid(id, 'thread_id');
    const row = await store.findThread(this.#deps.db, tenantId, id);
    if (!row) throw threadNotFound();
    return row;
  }

  async requireRun(tenantId: string, id: string): Promise<store.RunRow> {
    assertUuid(id, 'run_id');
    const row = await store.findRun(this.#deps.db, tenantId, id);
    if (!row) throw new MeshpactError('run_not_found', 'no such run');
    return row;
  }
}

function nextCursor<R extends { created_at: Date; id: string }>(
  rows: R[],
  limit: number,
): string | null {
  const last = rows[limit - 1];
  return rows.length > limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null;
}
