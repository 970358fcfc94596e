import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { migrateOrThrow } from '../../src/runtime/migrate.js';
import { expectProblem } from '../auth/test-helpers.js';
import { backendMigrations } from './server.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { createThread, signUp, type User } from './test-support.js';

describe('the order of messages', () => {
  // Never advanced: every message is created in the same millisecond.
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest({ clock });
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  const listAll = async (thread: string, limit: number): Promise<string[]> => {
    const contents: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await alice.api.get(
        `/api/threads/${thread}/messages?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      contents.push(...(page.body.items as { content: string }[]).map((m) => m.content));
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    return contents;
  };

  describe('when messages are created in the same millisecond', () => {
    it('lists them in the order they were posted, across pages', async () => {
      const thread = await createThread(alice);
      const posted = Array.from({ length: 12 }, (_v, i) => `message ${i}`);
      for (const content of posted) {
        const answer = await alice.api.post(`/api/threads/${thread}/messages`, {
          role: 'user',
          content,
        });
        expect(answer.body.created_at).toBe(clock.now().toISOString());
      }
      expect(await listAll(thread, 100)).toEqual(posted);
      expect(await listAll(thread, 5)).toEqual(posted);
    });

    it("refuses a cursor of another thread's message", async () => {
      const thread = await createThread(alice);
      const other = await createThread(alice);
      for (const content of ['a', 'b']) {
        await alice.api.post(`/api/threads/${other}/messages`, { role: 'user', content });
      }
      const page = await alice.api.get(`/api/threads/${other}/messages?limit=1`);
      expectProblem(
        await alice.api.get(
          `/api/threads/${thread}/messages?cursor=${String(page.body.next_cursor)}`,
        ),
        400,
        'invalid_cursor',
      );
    });
  });

  describe('when migration 0002 numbers the messages already stored', () => {
    it('keeps the order they were listed in before', async () => {
      const admin = createPool(mesh.auth.postgres.connectionString);
      const url = new URL(mesh.auth.postgres.connectionString);
      url.pathname = '/message_order_migration';
      const before = await mkdtemp(join(tmpdir(), 'meshpact-backend-migrations-'));
      await admin.query('CREATE DATABASE message_order_migration');
      const db = createPool(url.href);
      try {
        await copyFile(join(backendMigrations(), '0001_init.sql'), join(before, '0001_init.sql'));
        await migrateOrThrow(db, { namespace: 'backend', directory: before });
        const tenant = '00000000-0000-4000-8000-00000000000a';
        const thread = '00000000-0000-4000-8000-00000000000b';
        await db.query(
          `INSERT INTO backend_threads (id, tenant_id, title, created_at, updated_at)
           VALUES ($1, $2, 't', now(), now())`,
          [thread, tenant],
        );
        // The old order: created_at, then id. Two share an instant.
        const old = [
          ['00000000-0000-4000-8000-000000000003', '2026-01-01T00:00:00.000Z'],
          ['00000000-0000-4000-8000-000000000001', '2026-01-01T00:00:00.001Z'],
          ['00000000-0000-4000-8000-000000000002', '2026-01-01T00:00:00.001Z'],
        ];
        for (const [id, at] of [...old].reverse()) {
          await db.query(
            `INSERT INTO backend_messages (id, tenant_id, thread_id, role, content, created_at)
             VALUES ($1, $2, $3, 'user', 'x', $4)`,
            [id, tenant, thread, at],
          );
        }
        await migrateOrThrow(db, { namespace: 'backend', directory: backendMigrations() });
        const added = await db.query<{ id: string }>(
          `INSERT INTO backend_messages (id, tenant_id, thread_id, role, content, created_at)
           VALUES (gen_random_uuid(), $1, $2, 'user', 'new', '2000-01-01T00:00:00Z') RETURNING id`,
          [tenant, thread],
        );
        const { rows } = await db.query<{ id: string }>(
          'SELECT id FROM backend_messages ORDER BY seq',
        );
        expect(rows.map((row) => row.id)).toEqual([...old.map(([id]) => id), added.rows[0]!.id]);
      } finally {
        await db.end();
        await admin.query('DROP DATABASE message_order_migration');
        await admin.end();
        await rm(before, { recursive: true, force: true });
      }
    });
  });
});
