import { createServer } from 'node:http';
import express from 'express';
import type pg from 'pg';
import { brokerMigrations } from '../broker/server.js';
import { findWebhookById, saveWebhook } from '../broker/store/webhooks.js';
import { createPool } from '../runtime/db.js';
import { listen, type Listening } from '../runtime/listen.js';
import { createLogger, silentLogger } from '../runtime/logger.js';
import { migrateOrThrow } from '../runtime/migrate.js';
import { startPostgres, type PostgresHandle } from '../runtime/postgres.js';
import { accessLog } from './access-log.js';
import { problemHandler } from './problems.js';

// A request that fails on a real Postgres error whose context quotes a
// secret: the answer is a bare 500, and the log line names the trace id and
// the codes, never the secret.

const secret = 'whsec-5f0c1e9a7b3d4c2e8a6f';

describe('problemHandler', () => {
  let postgres: PostgresHandle;
  let db: pg.Pool;
  let server: Listening;
  const lines: string[] = [];

  beforeAll(async () => {
    postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
    db = createPool(postgres.connectionString);
    await migrateOrThrow(db, { namespace: 'broker', directory: brokerMigrations() });
    const logger = createLogger({ level: 'debug', destination: { write: (l) => lines.push(l) } });
    const app = express();
    app.use(accessLog(silentLogger));
    // Postgres refuses the lone surrogate, quoting the JSON before it (the Authorization header) in `where`.
    app.post('/webhooks', async (_req, res) => {
      await saveWebhook(
        db,
        'a-webhook',
        {
          description: null,
          consumer: null,
          provider: null,
          events: ['contract_published'],
          enabled: true,
          request: {
            method: 'POST',
            url: 'https://ci.example.com/hook',
            headers: { Authorization: `Bearer ${secret}`, 'X-Note': 'a\ud800b' },
          },
        },
        new Date(),
      );
      res.sendStatus(201);
    });
    // Postgres quotes the value it could not read as a bigint in its message.
    app.get('/webhooks/by-id', async (_req, res) => {
      res.json(await findWebhookById(db, secret));
    });
    app.use(problemHandler(logger));
    server = await listen(createServer(app), { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await db.end();
    await postgres.stop();
  });
  beforeEach(() => lines.splice(0));

  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  describe.each([
    ['a Postgres error quoting the secret in its context', 'POST', '/webhooks', '22P02'],
    ['a Postgres error quoting the secret in its message', 'GET', '/webhooks/by-id', '22P02'],
  ])('when a request fails on %s', (_what, method, path, sqlState) => {
    it('answers 500 internal_error and logs its trace id and codes without the secret', async () => {
      const answer = await fetch(`${server.url}${path}`, { method });
      expect(answer.status).toBe(500);
      const problem = (await answer.json()) as { code: string; trace_id: string };
      expect(problem.code).toBe('internal_error');
      expect(JSON.stringify(problem)).not.toContain(secret);

      expect(lines.join('')).not.toContain(secret);
      expect(logged()).toHaveLength(1);
      const [line] = logged();
      expect(line).toMatchObject({
        msg: 'request failed',
        trace_id: problem.trace_id,
        code: 'internal_error',
        err: { type: 'DatabaseError', code: sqlState },
      });
      expect(Object.keys(line!.err as object).sort()).toEqual(['code', 'message', 'stack', 'type']);
    });
  });
});
