import type pg from 'pg';
import { isDatabaseUnavailable } from '../../src/errors/database-unavailable.js';
import { withTransaction, type Queryable } from '../../src/runtime/db.js';
import { GroupCommit } from '../../src/runtime/group-commit.js';
import { lockRunStarts, takeRunSlots, type RunLimits, type Starter } from './run-limits.js';
import { threadNotFound } from './not-found.js';
import * as store from './store.js';

export interface RunStartsOptions {
  db: pg.Pool;
  limits: RunLimits;
  /** Makes the runs the runner's, in the transaction that inserts them (AgentRunner.claim). */
  claim: (trx: Queryable, ...runIds: string[]) => Promise<void>;
}

interface Pending {
  starter: Starter;
  run: store.RunRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Stores runs as they start: each finds its thread among its tenant's (and
 * holds it against deletion), takes its slot in the run limits, is inserted
 * and claimed by the runner in one transaction, so a refused run leaves no
 * row and a stored run is never unheld. A thread missing or another tenant's
 * is 404 `thread_not_found`, and takes no slot.
 *
 * Group commit, as the run writer's: the starts made together (1000 users
 * pressing start at once) share a transaction and its statements instead of
 * a transaction each. A start alone takes the transaction of its own it
 * always had. In a shared one, a start is left out when its thread is not
 * among its tenant's or another transaction has locked it (one deleting it):
 * waiting there, while holding other threads, could deadlock with a
 * deletion. A start left out goes alone, where it waits for the lock or
 * learns its thread is missing; so does every start of a shared transaction
 * that failed, perhaps for one start's sake, so no start fails for another's.
 */
export class RunStarts {
  readonly #options: RunStartsOptions;
  readonly #batches = new GroupCommit<Pending>((batch) => this.#commit(batch), {
    concurrent: 2,
    batchSize: 200,
  });

  constructor(options: RunStartsOptions) {
    this.#options = options;
  }

  /**
   * Stores `run`, started by `starter` at its created_at; rejects with 404
   * `thread_not_found`, or 429 `rate_limited` past the limits.
   */
  insert(starter: Starter, run: store.RunRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#batches.add({ starter, run, resolve, reject });
    });
  }

  async #commit(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.#alone(batch[0]!);
    const { db, limits, claim } = this.#options;
    const settled = new Map<Pending, unknown>();
    try {
      await withTransaction(db, async (trx) => {
        await lockRunStarts(
          trx,
          batch.map((pending) => pending.starter.tenantId),
        );
        const threads = await trx.query<{ id: string; tenant_id: string }>(
          `SELECT id::text, tenant_id::text FROM backend_threads
            WHERE id = ANY($1::uuid[]) AND tenant_id = ANY($2::uuid[]) FOR KEY SHARE SKIP LOCKED`,
          [
            [...new Set(batch.map((pending) => pending.run.thread_id))],
            [...new Set(batch.map((pending) => pending.starter.tenantId))],
          ],
        );
        const held = new Set(threads.rows.map((row) => threadKey(row.tenant_id, row.id)));
        const candidates = batch.filter((pending) =>
          held.has(threadKey(pending.starter.tenantId, pending.run.thread_id)),
        );
        if (candidates.length === 0) return;
        const verdicts = await takeRunSlots(
          trx,
          candidates.map(({ starter, run }) => ({ starter, runId: run.id, now: run.created_at })),
          limits,
        );
        candidates.forEach((pending, i) => settled.set(pending, verdicts[i]));
        const taken = candidates.filter((_, i) => verdicts[i] === undefined);
        if (taken.length === 0) return;
        await store.insertRuns(
          trx,
          taken.map((pending) => pending.run),
        );
        await claim(trx, ...taken.map((pending) => pending.run.id));
      });
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => this.#alone(pending)));
      return;
    }
    const alone: Promise<void>[] = [];
    for (const pending of batch) {
      if (!settled.has(pending)) alone.push(this.#alone(pending));
      else if (settled.get(pending) === undefined) pending.resolve();
      else pending.reject(settled.get(pending));
    }
    await Promise.all(alone);
  }

  async #alone({ starter, run, resolve, reject }: Pending): Promise<void> {
    const { db, limits, claim } = this.#options;
    try {
      await withTransaction(db, async (trx) => {
        if (!(await store.holdThread(trx, starter.tenantId, run.thread_id))) throw threadNotFound();
        await lockRunStarts(trx, [starter.tenantId]);
        const [refused] = await takeRunSlots(
          trx,
          [{ starter, runId: run.id, now: run.created_at }],
          limits,
        );
        if (refused) throw refused;
        await store.insertRun(trx, run);
        await claim(trx, run.id);
      });
      resolve();
    } catch (error) {
      reject(error);
    }
  }
}

/** Postgres spells a uuid in lower case, whatever case the request had. */
const threadKey = (tenantId: string, threadId: string) =>
  `${tenantId.toLowerCase()}/${threadId.toLowerCase()}`;
