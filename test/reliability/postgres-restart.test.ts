import pg from 'pg';
import { expectProblem } from '../../providers/auth/test-helpers.js';
import {
  createThread,
  expectWellOrdered,
  TestSocket,
  type User,
} from '../../providers/backend/test-support.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { eventually } from '../support/eventually.js';
import { request } from '../../providers/auth/test-helpers.js';
import { startRestartableMesh, type RestartableMesh } from './restartable-mesh.js';

// Postgres stops in the middle of runs and starts again on the same files and
// port, under auth-service and backend-api (in this process, as `meshpact up`
// hosts them: one server for both). While it is down both services say they
// are not ready and answer requests that need it with a 503 problem at once;
// once it is back they are ready again without a restart, the event feed
// listens again, and every run started ends with exactly one agent_completed,
// its events reaching a socket client once each, in seq order, with no gap.

const RUNS = 4;

describe('auth-service and backend-api', () => {
  let mesh: RestartableMesh;
  let alice: User;
  let thread: string;
  let watcher: TestSocket;
  const runs: string[] = [];

  beforeAll(async () => {
    // Slow enough that the runs are still going when Postgres stops.
    mesh = await startRestartableMesh(150);
    alice = await mesh.signUp('alice@example.com');
    thread = await createThread(alice);
    watcher = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    watcher.send({ type: 'subscribe', thread_id: thread });
    await watcher.next((f) => f.type === 'subscribed');
  }, 60_000);

  afterAll(async () => {
    watcher?.close();
    await mesh?.close();
  }, 60_000);

  describe('when Postgres stops during runs', () => {
    it('say they are not ready, and answer what needs the database with a 503 problem', async () => {
      for (let i = 0; i < RUNS; i++)
        runs.push(await watcher.startRun(thread, `[think 10] [calc ${i}+1]`, `run-${i}`));
      // Every run has begun (stored and announced its first event) before the outage.
      for (const run of runs) await watcher.next((f) => f.run_id === run && f.seq === 1);

      await mesh.postgres.stopServer();

      for (const service of [mesh.auth.url, mesh.backend.url]) {
        const ready = await request(service, 'GET', '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({
          status: 'unavailable',
          checks: { postgres: 'failing' },
        });
      }
      // A read that needs only backend-api's own database.
      expectProblem(
        await request(mesh.backend.url, 'GET', '/api/threads', { token: alice.token }),
        503,
        'database_unavailable',
      );
      expectProblem(
        await request(mesh.backend.url, 'GET', `/api/runs/${runs[0]}`, { token: alice.token }),
        503,
        'database_unavailable',
      );
      // auth-service's own writes.
      expectProblem(
        await request(mesh.auth.url, 'POST', '/auth/register', {
          body: { email: 'bob@example.com', password: 'correct horse battery', name: 'Bob' },
        }),
        503,
        'database_unavailable',
      );
      // A write to backend-api asks auth-service first, whose database is down too.
      const write = await request(mesh.backend.url, 'POST', '/api/threads', {
        token: alice.token,
        body: { title: 'during the outage' },
      });
      expect(write.status).toBe(503);
      expect(['auth_unavailable', 'database_unavailable']).toContain(write.body.code);
      // The socket stays open, and a start_run is refused with an error frame.
      const from = watcher.frames.length;
      watcher.send({
        type: 'start_run',
        request_id: 'during-outage',
        thread_id: thread,
        agent_name: 'calculator',
        input: 'refused',
      });
      const refused = await watcher.next((f) => f.request_id === 'during-outage', from);
      expect(refused.type).toBe('error');
      expect(['auth_unavailable', 'database_unavailable']).toContain(refused.code);
      expect(watcher.closed).toBeUndefined();
    });
  });

  describe('when Postgres is back on the same port and files', () => {
    it('are ready again, and the event feed listens again', async () => {
      await mesh.postgres.startServer();

      for (const service of [mesh.auth.url, mesh.backend.url])
        await eventually(`${service}/readyz answers 200`, async () => {
          const ready = await request(service, 'GET', '/readyz');
          return ready.status === 200 ? ready : undefined;
        });
      const client = new pg.Client({ connectionString: mesh.postgres.connectionString });
      await client.connect();
      try {
        await eventually('the event feed LISTENs again', async () => {
          const { rows } = await client.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE application_name = 'meshpact-event-feed' AND query ILIKE 'LISTEN%'`,
          );
          return rows.length === 1 ? true : undefined;
        });
      } finally {
        await client.end();
      }
      // Writes go through again (the breaker in front of auth-service may need its cool-down).
      await eventually('a write succeeds', async () => {
        const created = await request(mesh.backend.url, 'POST', '/api/threads', {
          token: alice.token,
          body: { title: 'after the outage' },
        });
        return created.status === 201 ? created : undefined;
      });
      runs.push(await watcher.startRun(thread, '[think 2] [calc 6*7]', 'after-outage'));
    });

    it('ends every run with exactly one agent_completed, sent once each and in seq order', async () => {
      for (const run of runs) {
        await watcher.next((f) => f.type === 'agent_completed' && f.run_id === run);
        const events = watcher.events(run);
        expectWellOrdered(events);
        expect(events.filter((e) => e.type === 'agent_completed')).toHaveLength(1);
        // What the socket got is exactly what is stored.
        const stored = await request(mesh.backend.url, 'GET', `/api/runs/${run}/events?limit=100`, {
          token: alice.token,
        });
        expect(events).toEqual(stored.body.items as AgentEvent[]);
        const final = await request(mesh.backend.url, 'GET', `/api/runs/${run}`, {
          token: alice.token,
        });
        expect(final.body.status).toBe((events.at(-1) as { status: string }).status);
      }
      // The runner waited for the database rather than failing the runs caught by the outage.
      for (const run of runs)
        expect(watcher.events(run).at(-1)).toMatchObject({ status: 'succeeded' });
      expect(watcher.closed).toBeUndefined();
    });
  });
});
