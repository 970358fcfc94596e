import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../src/runtime/clock.js';
import { isDatabaseUnavailable } from '../../src/errors/database-unavailable.js';
import { retryWhileUnavailable, withTransaction, type Queryable } from '../../src/runtime/db.js';
import { GroupCommit } from '../../src/runtime/group-commit.js';
import { appendEvents, type EventBody } from './run-events.js';
import { holdRun, holdRuns, RunLeaseLost } from './run-leases.js';
import * as store from './store.js';

export interface RunWriterOptions {
  db: pg.Pool;
  clock: Clock;
  /** The runner whose runs these are (run-leases.ts). */
  owner: string;
  leaseMs: number;
  /** Stops waiting out a database that is out of reach (the runner is stopping). */
  signal: AbortSignal;
}

interface Pending {
  run: store.RunRow;
  body: EventBody;
  /** The same in every attempt, so a retry can tell whether an attempt whose commit was cut off landed. */
  eventId: string;
  lost: AbortSignal;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the events of a runner's runs, each only while the runner holds its
 * run (holdRun, holdRuns): an event is stored with its seq, and NOTIFYed,
 * under the run's row lock (run-events.ts).
 *
 * Group commit: the writes of many runs share a transaction and its
 * statements (a round trip per statement, not per event, is what 1000 runs
 * at once cost). Each run has at most one write pending, since it waits for
 * each, so per run the events keep their order. A write the shared
 * transaction cannot take (its thread is locked by a deletion in progress,
 * its lease is in doubt, or the transaction failed for a reason that may be
 * one run's) is retried in a transaction of its own, as if it had been alone,
 * so no run fails for another's sake.
 */
export class RunWriter {
  readonly #options: RunWriterOptions;
  readonly #batches = new GroupCommit<Pending>((batch) => this.#commit(batch), {
    concurrent: 2,
    batchSize: 500,
  });

  constructor(options: RunWriterOptions) {
    this.#options = options;
  }

  /**
   * Stores `body` as the run's next event and announces it; resolves with its
   * seq. Rejects with RunLeaseLost when the runner no longer holds the run
   * (or `lost` is aborted), and with the database's error when it stays out
   * of reach.
   */
  write(run: store.RunRow, body: EventBody, lost: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#batches.add({ run, body, eventId: randomUUID(), lost, resolve, reject });
    });
  }

  /**
   * Runs `work` in a transaction of its own that holds the run; resolves with
   * the seq `work` returns. An attempt whose commit was cut off may have
   * landed after all: a retry (and, with `mayHaveLanded`, the first attempt)
   * looks for the event `eventId` under the run's lock first, so no event is
   * written twice.
   */
  async alone(
    run: store.RunRow,
    lost: AbortSignal,
    work: (trx: Queryable, at: Date, eventId: string) => Promise<number>,
    {
      eventId = randomUUID(),
      mayHaveLanded = false,
    }: { eventId?: string; mayHaveLanded?: boolean } = {},
  ): Promise<number> {
    const { db, clock, owner, leaseMs, signal } = this.#options;
    let seq = 0;
    let retry = mayHaveLanded;
    await retryWhileUnavailable(
      () =>
        withTransaction(db, async (trx) => {
          const held = !lost.aborted && (await holdRun(trx, run, owner, leaseMs));
          const landed = retry
            ? (await store.seqsOfEvents(trx, [run.id], [eventId])).get(eventId)
            : undefined;
          retry = true;
          if (landed !== undefined) seq = landed;
          else if (!held) throw new RunLeaseLost(run.id);
          else seq = await work(trx, clock.now(), eventId);
        }),
      { signal },
    );
    return seq;
  }

  async #commit(batch: Pending[]): Promise<void> {
    const { db, clock, owner, leaseMs, signal } = this.#options;
    const written = new Map<Pending, number>();
    let retry = false;
    try {
      await retryWhileUnavailable(
        () =>
          withTransaction(db, async (trx) => {
            written.clear();
            if (retry) {
              const landed = await store.seqsOfEvents(
                trx,
                batch.map((pending) => pending.run.id),
                batch.map((pending) => pending.eventId),
              );
              for (const pending of batch) {
                const seq = landed.get(pending.eventId);
                if (seq !== undefined) written.set(pending, seq);
              }
            }
            retry = true;
            const candidates = batch.filter(
              (pending) => !written.has(pending) && !pending.lost.aborted,
            );
            if (candidates.length === 0) return;
            const held = await holdRuns(
              trx,
              candidates.map((pending) => pending.run),
              owner,
              leaseMs,
            );
            const writes = candidates.filter((pending) => held.has(pending.run.id));
            if (writes.length === 0) return;
            const seqs = await appendEvents(trx, writes, clock.now());
            writes.forEach((pending, i) => written.set(pending, seqs[i]!));
          }),
        { signal },
      );
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      // Perhaps one run's fault: each write then goes alone, and fails alone.
      await Promise.all(batch.map((pending) => this.#writeAlone(pending, true)));
      return;
    }
    const alone: Promise<void>[] = [];
    for (const pending of batch) {
      const seq = written.get(pending);
      if (seq !== undefined) pending.resolve(seq);
      else if (pending.lost.aborted) pending.reject(new RunLeaseLost(pending.run.id));
      // Not held in the shared transaction; its last attempt looked for it, so it has not landed.
      else alone.push(this.#writeAlone(pending, false));
    }
    await Promise.all(alone);
  }

  async #writeAlone(pending: Pending, mayHaveLanded: boolean): Promise<void> {
    const { run, body, eventId, lost } = pending;
    try {
      pending.resolve(
        await this.alone(
          run,
          lost,
          async (trx, at) => (await appendEvents(trx, [{ run, body, eventId }], at))[0]!,
          { eventId, mayHaveLanded },
        ),
      );
    } catch (error) {
      pending.reject(error);
    }
  }
}
