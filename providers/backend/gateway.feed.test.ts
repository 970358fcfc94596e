import pg from 'pg';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { createThread, signUp, storedEvents, TestSocket, type User } from './test-support.js';

const isCompleted = (runId: string) => (f: { type: string; run_id?: unknown }) =>
  f.type === 'agent_completed' && f.run_id === runId;

describe('/ws event feed', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let db: pg.Client;
  let admin: pg.Client;
  let database: string;
  beforeAll(async () => {
    mesh = await startMeshForTest({ env: { RUNNER_STEP_DELAY_MS: '40' } });
    alice = await signUp(mesh, 'alice@example.com');
    const url = new URL(mesh.auth.postgres.connectionString);
    database = url.pathname.slice(1);
    db = new pg.Client({ connectionString: url.href });
    // Postgres refuses to change ALLOW_CONNECTIONS of the database a client is connected to.
    // The embedded server is this file's own, so template1 is free to use there; on
    // DATABASE_URL the mesh has a scratch database and template1 must stay free for others.
    url.pathname = database === 'postgres' ? '/template1' : '/postgres';
    admin = new pg.Client({ connectionString: url.href });
    await Promise.all([db.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await Promise.all([db.end(), admin.end()]);
    await mesh.close();
  });

  const finished = async (runIds: string[]) => {
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM backend_runs
          WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'cancelled')`,
        [runIds],
      );
      if (rows[0]?.n === runIds.length) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const feedIsListening = async () => {
    for (;;) {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  describe('when its LISTEN connection is lost and comes back', () => {
    it('sends every subscriber the events stored meanwhile, each once and in seq order', async () => {
      const thread = await createThread(alice);
      const watcher = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      watcher.send({ type: 'subscribe', thread_id: thread });
      await watcher.next((f) => f.type === 'subscribed');
      const starter = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      const followed = await watcher.startRun(thread, '[think 6] [calc 2+2]', 'followed');
      await watcher.next((f) => f.run_id === followed && f.seq === 2);
      // The pools keep the connections these open; new ones are refused until
      // connections are allowed again, so the feed cannot come back before the
      // runs below have stored their events.
      await Promise.all(Array.from({ length: 6 }, () => alice.api.get(`/api/threads/${thread}`)));
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      let unseen: string;
      try {
        const { rowCount } = await db.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
        );
        expect(rowCount).toBe(1);
        // Started by another socket: the watcher follows it only through its thread.
        unseen = await starter.startRun(thread, '[think 2] [calc 3*3]', 'unseen');
        await finished([followed, unseen]);
      } finally {
        await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      }
      await feedIsListening();

      for (const runId of [followed, unseen]) {
        await watcher.next(isCompleted(runId));
        expect(watcher.events(runId)).toEqual(await storedEvents(alice, runId));
      }

      // Live delivery goes on through the new LISTEN connection.
      const after = await watcher.startRun(thread, '[calc 1+1]', 'after');
      await watcher.next(isCompleted(after));
      expect(watcher.events(after)).toEqual(await storedEvents(alice, after));
      watcher.close();
      starter.close();
    });
  });
});
