import { MeshpactError } from '../../src/errors/meshpact-error.js';
import type { Queryable } from '../../src/runtime/db.js';
import { retryAfterSeconds } from '../../src/runtime/rate-limit.js';

/** How many runs may start in any window, per user and per tenant (README: BACKEND_RUNS_*). */
export interface RunLimits {
  perUser: number;
  perTenant: number;
  windowSeconds: number;
}

/** Who starts a run: both come from the token. */
export interface Starter {
  tenantId: string;
  userId: string;
}

/**
 * Takes a slot for one run in its user's and its tenant's windows, or throws
 * 429 `rate_limited` with `retry_after`. Runs inside the transaction that
 * inserts the run, so a refused run leaves no row and a run that is not
 * inserted takes no slot. HTTP and `start_run` both come here, and the count
 * lives in Postgres, so the limits hold across both and across processes;
 * the tenant's lock makes concurrent starts count one after another.
 */
export async function takeRunSlot(
  trx: Queryable,
  starter: Starter,
  runId: string,
  now: Date,
  limits: RunLimits,
): Promise<void> {
  await trx.query("SELECT pg_advisory_xact_lock(hashtext('backend_run_starts'), hashtext($1))", [
    starter.tenantId,
  ]);
  const since = new Date(now.getTime() - limits.windowSeconds * 1000);
  const starts = await newestStarts(trx, starter, since, limits);
  const byUser = retryAfterSeconds(starts.user, limits.perUser, limits.windowSeconds, now);
  const byTenant = retryAfterSeconds(starts.tenant, limits.perTenant, limits.windowSeconds, now);
  if (byUser !== undefined || byTenant !== undefined) {
    const retryAfter = Math.max(byUser ?? 0, byTenant ?? 0);
    const whose = byUser !== undefined ? 'you have' : 'your tenant has';
    throw new MeshpactError(
      'rate_limited',
      `${whose} started too many runs; try again in ${retryAfter} s`,
      { extensions: { retry_after: retryAfter } },
    );
  }
  await trx.query(
    'INSERT INTO backend_run_starts (run_id, tenant_id, user_id, started_at) VALUES ($1, $2, $3, $4)',
    [runId, starter.tenantId, starter.userId, now],
  );
}

/**
 * Forgets the tenant's starts up to `since`, and reads the newest starts
 * after it, up to its limit, of the user and of the tenant, oldest first: one
 * statement, one round trip, for what each start_run of a burst must do. The
 * reads do not see the deletion (one snapshot), and need not: they read only
 * the starts after `since`.
 */
async function newestStarts(
  db: Queryable,
  starter: Starter,
  since: Date,
  limits: RunLimits,
): Promise<{ user: Date[]; tenant: Date[] }> {
  const { rows } = await db.query<{ by: 'user' | 'tenant'; started_at: Date }>(
    `WITH forgotten AS (DELETE FROM backend_run_starts WHERE tenant_id = $1 AND started_at <= $3)
     (SELECT 'user' AS by, started_at FROM backend_run_starts
       WHERE user_id = $2 AND started_at > $3 ORDER BY started_at DESC LIMIT $4)
     UNION ALL
     (SELECT 'tenant' AS by, started_at FROM backend_run_starts
       WHERE tenant_id = $1 AND started_at > $3 ORDER BY started_at DESC LIMIT $5)`,
    [starter.tenantId, starter.userId, since, limits.perUser, limits.perTenant],
  );
  const of = (by: 'user' | 'tenant') =>
    rows
      .filter((row) => row.by === by)
      .map((row) => row.started_at)
      .reverse();
  return { user: of('user'), tenant: of('tenant') };
}
