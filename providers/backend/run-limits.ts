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

/** 429 `rate_limited` when one more start than `starts` (oldest first, in the window) is over a limit. */
function refusal(
  starts: { user: readonly Date[]; tenant: readonly Date[] },
  now: Date,
  limits: RunLimits,
): MeshpactError | undefined {
  const byUser = retryAfterSeconds(starts.user, limits.perUser, limits.windowSeconds, now);
  const byTenant = retryAfterSeconds(starts.tenant, limits.perTenant, limits.windowSeconds, now);
  if (byUser === undefined && byTenant === undefined) return undefined;
  const retryAfter = Math.max(byUser ?? 0, byTenant ?? 0);
  const whose = byUser !== undefined ? 'you have' : 'your tenant has';
  return new MeshpactError(
    'rate_limited',
    `${whose} started too many runs; try again in ${retryAfter} s`,
    { extensions: { retry_after: retryAfter } },
  );
}

/** One run start of a batch: who, which run, and when. */
export interface RunStart {
  starter: Starter;
  runId: string;
  now: Date;
}

/**
 * Takes the run-start locks of `tenantIds` until the transaction ends, in the
 * order of the lock keys, so that two transactions taking several cannot
 * deadlock; then takeRunSlots may decide their starts.
 */
export async function lockRunStarts(trx: Queryable, tenantIds: readonly string[]): Promise<void> {
  await trx.query(
    `SELECT pg_advisory_xact_lock(hashtext('backend_run_starts'), key)
       FROM (SELECT DISTINCT hashtext(tenant) AS key FROM unnest($1::text[]) AS tenant ORDER BY key) AS keys`,
    [[...new Set(tenantIds)]],
  );
}

/**
 * Takes a slot for each start in its user's and its tenant's windows, whose
 * tenants are locked (lockRunStarts), or refuses it 429 `rate_limited` with
 * `retry_after`. Runs inside the transaction that inserts the runs, so a
 * refused run leaves no row and a run that is not inserted takes no slot.
 * HTTP and `start_run` both come here, and the count lives in Postgres, so
 * the limits hold across both and across processes; the tenants' locks make
 * concurrent transactions count one after another. Two statements for any
 * number of starts: their users' and tenants' starts in the window are read
 * once (the older ones forgotten), and each start is decided in turn in JS,
 * counting the ones before it. Returns, per start, the 429 it is refused
 * with, or undefined when its slot is taken.
 */
export async function takeRunSlots(
  trx: Queryable,
  starts: readonly RunStart[],
  limits: RunLimits,
): Promise<(MeshpactError | undefined)[]> {
  const tenants = [...new Set(starts.map((start) => start.starter.tenantId))];
  const windowMs = limits.windowSeconds * 1000;
  const since = new Date(Math.min(...starts.map((start) => start.now.getTime())) - windowMs);
  const { rows } = await trx.query<{ by: 'user' | 'tenant'; id: string; started_at: Date }>(
    `WITH forgotten AS (DELETE FROM backend_run_starts WHERE tenant_id = ANY($1::uuid[]) AND started_at <= $3)
     SELECT 'user' AS by, user_id::text AS id, started_at FROM (
       SELECT user_id, started_at,
              row_number() OVER (PARTITION BY user_id ORDER BY started_at DESC) AS newest
         FROM backend_run_starts WHERE user_id = ANY($2::uuid[]) AND started_at > $3) AS users
      WHERE newest <= $4
     UNION ALL
     SELECT 'tenant' AS by, tenant_id::text AS id, started_at FROM (
       SELECT tenant_id, started_at,
              row_number() OVER (PARTITION BY tenant_id ORDER BY started_at DESC) AS newest
         FROM backend_run_starts WHERE tenant_id = ANY($1::uuid[]) AND started_at > $3) AS tenants
      WHERE newest <= $5
     ORDER BY started_at`,
    [
      tenants,
      [...new Set(starts.map((start) => start.starter.userId))],
      since,
      limits.perUser,
      limits.perTenant,
    ],
  );
  // Postgres spells a uuid in lower case, whatever case the token had.
  const seen = { user: new Map<string, Date[]>(), tenant: new Map<string, Date[]>() };
  const timesOf = (by: 'user' | 'tenant', id: string) => {
    const key = id.toLowerCase();
    let times = seen[by].get(key);
    if (!times) seen[by].set(key, (times = []));
    return times;
  };
  for (const row of rows) timesOf(row.by, row.id).push(row.started_at);
  const taken: RunStart[] = [];
  const verdicts = starts.map((start) => {
    const user = timesOf('user', start.starter.userId);
    const tenant = timesOf('tenant', start.starter.tenantId);
    const inWindow = (times: Date[]) =>
      times.filter((time) => time.getTime() > start.now.getTime() - windowMs);
    const refused = refusal({ user: inWindow(user), tenant: inWindow(tenant) }, start.now, limits);
    if (refused) return refused;
    user.push(start.now);
    tenant.push(start.now);
    taken.push(start);
    return undefined;
  });
  if (taken.length > 0)
    await trx.query(
      `INSERT INTO backend_run_starts (run_id, tenant_id, user_id, started_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])`,
      [
        taken.map((start) => start.runId),
        taken.map((start) => start.starter.tenantId),
        taken.map((start) => start.starter.userId),
        taken.map((start) => start.now),
      ],
    );
  return verdicts;
}
