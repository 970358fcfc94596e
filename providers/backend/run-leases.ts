import type { Queryable } from '../../src/runtime/db.js';
import type { RunRow } from './store.js';

// Run leases (migration 0004): which runner holds an unfinished run, and
// until when. Times are Postgres's clock_timestamp(), the one clock every
// backend sharing the database reads alike (the services' injected Clock may
// be a test's ManualClock, and process clocks may drift apart).

const UNFINISHED = "status IN ('queued', 'running')";
const LAPSED = '(lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())';
const EXPIRY = "clock_timestamp() + $3::int * interval '1 millisecond'";

/**
 * Thrown by a runner writing to a run it no longer holds: another backend
 * ended the run after its lease lapsed, or the run was deleted with its
 * thread; this runner then stops writing to it.
 */
export class RunLeaseLost extends Error {
  readonly code = 'run_lease_lost';

  constructor(readonly runId: string) {
    super(`run ${runId} is no longer held by this runner: it has ended, or was deleted`);
    this.name = 'RunLeaseLost';
  }
}

/** Gives runs no one holds yet to `owner`; call it in the transaction that inserts them. */
export async function claimRuns(
  db: Queryable,
  runIds: readonly string[],
  owner: string,
  leaseMs: number,
): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE backend_runs SET owner_id = $2, lease_expires_at = ${EXPIRY}
      WHERE id = ANY($1::uuid[]) AND owner_id IS NULL AND ${UNFINISHED}
      RETURNING id`,
    [runIds, owner, leaseMs],
  );
  const claimed = new Set(rows.map((row) => row.id));
  const missed = runIds.find((id) => !claimed.has(id));
  if (missed !== undefined) throw new RunLeaseLost(missed);
}

/**
 * Renews the run's lease if `owner` still holds the unfinished run; false
 * otherwise. One row per statement: holding no other lock while it waits, it
 * cannot deadlock with a thread's deletion, which locks the thread and then
 * its runs in an order of its own.
 */
export async function renewLease(
  db: Queryable,
  runId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE backend_runs SET lease_expires_at = ${EXPIRY}
      WHERE id = $1 AND owner_id = $2 AND ${UNFINISHED}`,
    [runId, owner, leaseMs],
  );
  return rowCount === 1;
}

/**
 * Locks the run's thread against deletion, then the run's row, until the
 * transaction ends, and renews the lease, if `owner` still holds the
 * unfinished run; false otherwise. The thread comes first because that is the
 * order in which deleting a thread locks them (the thread, then its runs by
 * cascade), and ending a run writes a message, which needs the thread; the
 * other order deadlocks with a provider state's teardown. A lease that lapsed
 * but that no sweeper has taken is still the owner's: the lock decides, and a
 * sweeper that ends the run first makes this answer false.
 */
export async function holdRun(
  trx: Queryable,
  run: Pick<RunRow, 'id' | 'thread_id'>,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const thread = await trx.query('SELECT 1 FROM backend_threads WHERE id = $1 FOR KEY SHARE', [
    run.thread_id,
  ]);
  return thread.rowCount === 1 && renewLease(trx, run.id, owner, leaseMs);
}

/**
 * holdRun for many runs at once, in two statements: returns the ids of those
 * `owner` still holds, now locked with their threads until the transaction
 * ends. A thread another transaction has locked (one deleting it) is skipped,
 * not waited for, and its run left out: holding one thread while waiting for
 * another could deadlock with a deletion of several (a tenant's). So a run
 * left out may still be the owner's; holdRun, which waits, tells.
 */
export async function holdRuns(
  trx: Queryable,
  runs: Pick<RunRow, 'id' | 'thread_id'>[],
  owner: string,
  leaseMs: number,
): Promise<Set<string>> {
  const threads = await trx.query<{ id: string }>(
    'SELECT id FROM backend_threads WHERE id = ANY($1::uuid[]) FOR KEY SHARE SKIP LOCKED',
    [[...new Set(runs.map((run) => run.thread_id))]],
  );
  const locked = new Set(threads.rows.map((row) => row.id));
  const { rows } = await trx.query<{ id: string }>(
    `UPDATE backend_runs SET lease_expires_at = ${EXPIRY}
      WHERE id = ANY($1::uuid[]) AND owner_id = $2 AND ${UNFINISHED}
      RETURNING id`,
    [runs.filter((run) => locked.has(run.thread_id)).map((run) => run.id), owner, leaseMs],
  );
  return new Set(rows.map((row) => row.id));
}

export interface LapsedRun {
  id: string;
  thread_id: string;
}

/** Unfinished runs whose lease has lapsed, oldest first; read without locks, so take each with takeLapsedRun. */
export async function lapsedRuns(db: Queryable, limit: number): Promise<LapsedRun[]> {
  const { rows } = await db.query<LapsedRun>(
    `SELECT id, thread_id FROM backend_runs WHERE ${UNFINISHED} AND ${LAPSED}
      ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
  return rows;
}

/**
 * Locks the run for this transaction (its thread first, as holdRun does) if
 * it is still unfinished with a lapsed lease. SKIP LOCKED: a run another
 * sweeper or its owner has locked, or whose thread is being deleted, is
 * skipped, not waited for, so two backends never both end it; and Postgres
 * rechecks the conditions on the newest row version, so a run ended or
 * renewed meanwhile is not returned.
 */
export async function takeLapsedRun(
  trx: Queryable,
  lapsed: LapsedRun,
): Promise<RunRow | undefined> {
  const thread = await trx.query(
    'SELECT 1 FROM backend_threads WHERE id = $1 FOR KEY SHARE SKIP LOCKED',
    [lapsed.thread_id],
  );
  if (thread.rowCount !== 1) return undefined;
  const { rows } = await trx.query<RunRow>(
    `SELECT * FROM backend_runs WHERE id = $1 AND ${UNFINISHED} AND ${LAPSED}
        FOR UPDATE SKIP LOCKED`,
    [lapsed.id],
  );
  return rows[0];
}
