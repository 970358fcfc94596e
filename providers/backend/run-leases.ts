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
 * ended the run after its lease lapsed (or it has ended), so this runner
 * stops writing to it.
 */
export class RunLeaseLost extends Error {
  readonly code = 'run_lease_lost';

  constructor(readonly runId: string) {
    super(`run ${runId} is no longer held by this runner: it has ended`);
    this.name = 'RunLeaseLost';
  }
}

/** Gives a run no one holds yet to `owner`; call it in the transaction that inserts the run. */
export async function claimRun(
  db: Queryable,
  runId: string,
  owner: string,
  leaseMs: number,
): Promise<void> {
  const { rowCount } = await db.query(
    `UPDATE backend_runs SET owner_id = $2, lease_expires_at = ${EXPIRY}
      WHERE id = $1 AND owner_id IS NULL AND ${UNFINISHED}`,
    [runId, owner, leaseMs],
  );
  if (rowCount !== 1) throw new RunLeaseLost(runId);
}

/**
 * Locks the run's row until the transaction ends and renews its lease, if
 * `owner` still holds the unfinished run; false otherwise. A lease that lapsed
 * but that no sweeper has taken is still the owner's: the lock decides, and a
 * sweeper that ends the run first makes this answer false.
 */
export async function holdRun(
  trx: Queryable,
  runId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const { rowCount } = await trx.query(
    `UPDATE backend_runs SET lease_expires_at = ${EXPIRY}
      WHERE id = $1 AND owner_id = $2 AND ${UNFINISHED}`,
    [runId, owner, leaseMs],
  );
  return rowCount === 1;
}

/** Renews the leases of the given runs `owner` still holds; returns the ids it holds. */
export async function renewLeases(
  db: Queryable,
  runIds: string[],
  owner: string,
  leaseMs: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE backend_runs SET lease_expires_at = ${EXPIRY}
      WHERE id = ANY($1::uuid[]) AND owner_id = $2 AND ${UNFINISHED}
      RETURNING id`,
    [runIds, owner, leaseMs],
  );
  return rows.map((row) => row.id);
}

/** Unfinished runs whose lease has lapsed, oldest first; read without locks, so take each with takeLapsedRun. */
export async function lapsedRunIds(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM backend_runs WHERE ${UNFINISHED} AND ${LAPSED}
      ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
  return rows.map((row) => row.id);
}

/**
 * Locks the run for this transaction if it is still unfinished with a lapsed
 * lease. SKIP LOCKED: a run another sweeper (or its renewing owner) has locked
 * is skipped, not waited for, so two backends never both end it; and Postgres
 * rechecks the conditions on the newest row version, so a run ended or renewed
 * meanwhile is not returned.
 */
export async function takeLapsedRun(trx: Queryable, runId: string): Promise<RunRow | undefined> {
  const { rows } = await trx.query<RunRow>(
    `SELECT * FROM backend_runs WHERE id = $1 AND ${UNFINISHED} AND ${LAPSED}
        FOR UPDATE SKIP LOCKED`,
    [runId],
  );
  return rows[0];
}
