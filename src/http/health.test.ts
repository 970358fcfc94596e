import { createServer } from 'node:http';
import express from 'express';
import pg from 'pg';
import { listen } from '../runtime/listen.js';
import { hungServer } from '../runtime/test-servers.js';
import { silentLogger } from '../runtime/logger.js';
import { healthRoutes } from './health.js';
import { createResponder } from './schema-io.js';

describe('/readyz when a dependency hangs', () => {
  it('answers 503 with that check failing once its time is up, instead of hanging the probe', async () => {
    // A "database" that accepts connections and never answers, as behind a dropped network.
    const hung = await hungServer();
    const db = new pg.Pool({ connectionString: hung.url.replace('http:', 'postgres:') });
    db.on('error', () => undefined);
    const app = express();
    healthRoutes(app, {
      db,
      reply: createResponder('throw', silentLogger),
      checks: { auth_jwks: () => Promise.resolve(true) },
      checkTimeoutMs: 200,
    });
    const server = await listen(createServer(app));
    try {
      const answer = await fetch(`${server.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({
        status: 'unavailable',
        checks: { postgres: 'failing', auth_jwks: 'ok' },
      });
    } finally {
      await server.close();
      await hung.close();
      await db.end().catch(() => undefined);
    }
  });
});
