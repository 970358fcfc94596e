import type pg from 'pg';
import type { Clock } from '../../src/runtime/clock.js';
import { withTransaction } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import { endAsFailed, RUN_ABANDONED } from './run-events.js';
import { lapsedRuns, takeLapsedRun } from './run-leases.js';

export interface SweeperOptions {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** RUN_LEASE_MS: the sweeper looks every third of it. */
  leaseMs: number;
  /**
   * Whether this process's own runner still executes the run. Its lease can
   * lapse while the database is out of reach for longer than the lease; the
   * runner renews it at its next beat, and the run's end is its runner's to
   * write, not "the backend running it stopped".
   */
  spares?: (runId: string) => boolean;
}

/** Runs ended per transaction batch; a sweep goes on until none is left. */
const BATCH = 100;

/**
 * Ends the runs whose runner is gone: a run still queued or running whose
 * lease has lapsed (its backend died, or hung past its lease) gets the events
 * it lacks, agent_started if it had none and agent_completed {status:
 * "failed", final_response: RUN_ABANDONED}, through the runner's own emit path
 * (run-events.ts), so gateways deliver them and every run ends exactly once.
 * Ending, not resuming: a run's tool calls may have had effects, and
 * repeating them would not be honest.
 *
 * Every backend sweeps at start-up and then every third of RUN_LEASE_MS;
 * several backends may sweep at once, and each run is ended by exactly one
 * (takeLapsedRun locks it with SKIP LOCKED, and the end is written only if
 * the run is still unfinished).
 */
export class RunSweeper {
  readonly #options: SweeperOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;

  constructor(options: SweeperOptions) {
    this.#options = options;
  }

  /** Sweeps now, then every third of the lease until close(). */
  async start(): Promise<void> {
    await this.#sweepOnce();
    this.#timer = setInterval(() => void this.#sweepOnce(), this.#options.leaseMs / 3);
    // The server keeps its process alive; the sweeps alone must not.
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
  }

  /** Ends every run whose lease has lapsed; resolves with how many this sweeper ended. */
  async sweep(): Promise<number> {
    const { db, clock, logger } = this.#options;
    let ended = 0;
    for (;;) {
      const lapsed = await lapsedRuns(db, BATCH);
      let progress = false;
      for (const candidate of lapsed) {
        const id = candidate.id;
        if (this.#options.spares?.(id)) continue;
        try {
          const took = await withTransaction(db, async (trx) => {
            const run = await takeLapsedRun(trx, candidate);
            if (run) await endAsFailed(trx, run, RUN_ABANDONED, clock.now());
            return run !== undefined;
          });
          if (took) {
            ended++;
            progress = true;
            logger.warn({ run_id: id }, 'ended a run whose runner is gone (its lease lapsed)');
          }
        } catch (error) {
          // One run that cannot be ended must not keep the others unended; the next sweep retries it.
          logger.error({ err: error, run_id: id }, 'could not end a run whose lease lapsed');
        }
      }
      // A full batch with progress may hide more behind it; otherwise the rest are another sweeper's.
      if (lapsed.length < BATCH || !progress) return ended;
    }
  }

  /** One sweep at a time per backend; errors are logged, and the next tick tries again. */
  #sweepOnce(): Promise<number> {
    this.#sweeping ??= this.sweep()
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error }, 'sweeping runs whose lease lapsed failed');
        return 0;
      })
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }
}
