import type { Express } from 'express';
import type { Queryable } from '../runtime/db.js';
import { methodNotAllowed } from './problems.js';
import type { Responder } from './schema-io.js';

/** The probes' paths: the access log writes their lines at debug. */
export const HEALTH_PATHS: readonly string[] = ['/healthz', '/readyz'];

/** A dependency a service needs before it can serve: true when it is there. */
export type ReadinessCheck = () => Promise<boolean>;

/**
 * `/healthz` (the process answers) and `/readyz` (its Postgres does, and each
 * of `checks`, named as in the answer), as every service serves them.
 */
export function healthRoutes(
  app: Express,
  deps: {
    db: Queryable;
    reply: Responder;
    checks?: Record<string, ReadinessCheck>;
    /** How long one check may take before it counts as failing; 2 s by default. */
    checkTimeoutMs?: number;
  },
): void {
  const timeoutMs = deps.checkTimeoutMs ?? 2_000;
  const checks: Record<string, ReadinessCheck> = {
    postgres: () =>
      deps.db.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    ...deps.checks,
  };
  app
    .route('/healthz')
    .get((_req, res) => deps.reply.send(res, 200, 'common/health', { status: 'ok' }))
    .all(methodNotAllowed('GET'));

  app
    .route('/readyz')
    .get(async (_req, res) => {
      const results = await Promise.all(
        Object.entries(checks).map(
          async ([name, check]) => [name, await withinTime(check, timeoutMs)] as const,
        ),
      );
      const up = results.every(([, ok]) => ok);
      deps.reply.send(res, up ? 200 : 503, 'common/health', {
        status: up ? 'ok' : 'unavailable',
        checks: Object.fromEntries(results.map(([name, ok]) => [name, ok ? 'ok' : 'failing'])),
      });
    })
    .all(methodNotAllowed('GET'));
}

/**
 * A dependency that hangs (a database behind a dropped network) must make
 * /readyz answer "failing" in time, not hang the probe that asks.
 */
async function withinTime(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
  );
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
