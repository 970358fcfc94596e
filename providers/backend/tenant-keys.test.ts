import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../src/runtime/db.js';
import { migrateOrThrow } from '../../src/runtime/migrate.js';
import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { backendMigrations } from './server.js';

// The second line of tenancy: whatever the code does, Postgres refuses a run,
// a message or an event that names another tenant's thread or run.

describe("backend-api's tables", () => {
  let postgres: PostgresHandle;
  let db: pg.Pool;
  const erin = randomUUID();
  const dave = randomUUID();
  const erinsThread = randomUUID();
  const erinsRun = randomUUID();

  const insertThread = (tenant: string, id: string) =>
    db.query(
      `INSERT INTO backend_threads (id, tenant_id, title, created_at, updated_at)
       VALUES ($1, $2, 'a thread', now(), now())`,
      [id, tenant],
    );
  const insertRun = (tenant: string, thread: string, id = randomUUID()) =>
    db.query(
      `INSERT INTO backend_runs (id, tenant_id, thread_id, agent_name, input, status, created_at)
       VALUES ($1, $2, $3, 'calculator', '1+1', 'queued', now())`,
      [id, tenant, thread],
    );
  const insertMessage = (tenant: string, thread: string) =>
    db.query(
      `INSERT INTO backend_messages (id, tenant_id, thread_id, role, content, created_at)
       VALUES ($1, $2, $3, 'user', 'hello', now())`,
      [randomUUID(), tenant, thread],
    );
  const insertEvent = (tenant: string, thread: string, run: string) =>
    db.query(
      `INSERT INTO backend_run_events (run_id, seq, tenant_id, thread_id, event, created_at)
       VALUES ($1, 1, $2, $3, '{}', now())`,
      [run, tenant, thread],
    );
  const refused = { code: '23503' };

  beforeAll(async () => {
    postgres = await startPostgres();
    db = createPool(postgres.connectionString);
    await migrateOrThrow(db, { namespace: 'backend', directory: backendMigrations() });
    await insertThread(erin, erinsThread);
    await insertRun(erin, erinsThread, erinsRun);
  });
  afterAll(async () => {
    await db.end();
    await postgres.stop();
  });

  it("refuse a run or a message on another tenant's thread", async () => {
    await expect(insertRun(dave, erinsThread)).rejects.toMatchObject(refused);
    await expect(insertMessage(dave, erinsThread)).rejects.toMatchObject(refused);
    await expect(insertMessage(erin, erinsThread)).resolves.toMatchObject({ rowCount: 1 });
  });

  it("refuse an event of another tenant's run, or of a thread not its run's tenant's", async () => {
    const davesThread = randomUUID();
    await insertThread(dave, davesThread);
    await expect(insertEvent(dave, davesThread, erinsRun)).rejects.toMatchObject(refused);
    await expect(insertEvent(erin, davesThread, erinsRun)).rejects.toMatchObject(refused);
    await expect(insertEvent(erin, erinsThread, erinsRun)).resolves.toMatchObject({ rowCount: 1 });
  });

  it("still take a thread's runs, messages and events with it when it is deleted", async () => {
    await db.query('DELETE FROM backend_threads WHERE id = $1', [erinsThread]);
    const left = await db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM backend_runs WHERE thread_id = $1)
            + (SELECT count(*) FROM backend_messages WHERE thread_id = $1)
            + (SELECT count(*) FROM backend_run_events WHERE thread_id = $1) AS n`,
      [erinsThread],
    );
    expect(left.rows).toEqual([{ n: '0' }]);
  });
});
