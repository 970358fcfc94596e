import type { Express } from 'express';
import type { Queryable } from '../runtime/db.js';
import { methodNotAllowed } from './problems.js';
import type { Responder } from './schema-io.js';

/** `/healthz` (the process answers) and `/readyz` (and its Postgres does), as every service serves them. */
export function healthRoutes(app: Express, deps: { db: Queryable; reply: Responder }): void {
  app
    .route('/healthz')
    .get((_req, res) => deps.reply.send(res, 200, 'common/health', { status: 'ok' }))
    .all(methodNotAllowed('GET'));

  app
    .route('/readyz')
    .get(async (_req, res) => {
      const up = await deps.db.query('SELECT 1').then(
        () => true,
        () => false,
      );
      deps.reply.send(res, up ? 200 : 503, 'common/health', {
        status: up ? 'ok' : 'unavailable',
        checks: { postgres: up ? 'ok' : 'failing' },
      });
    })
    .all(methodNotAllowed('GET'));
}
