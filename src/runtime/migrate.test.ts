import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { createPool } from './db.js';
import { migrate } from './migrate.js';
import { startPostgres, type PostgresHandle } from './postgres.js';

const made: string[] = [];
afterAll(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meshpact-migrations-'));
  made.push(dir);
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

async function tables(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  return rows.map((row) => row.tablename);
}

describe('migrate', () => {
  let postgres: PostgresHandle;
  let pool: pg.Pool;

  beforeEach(async () => {
    postgres = await startPostgres();
    pool = createPool(postgres.connectionString);
  });
  afterEach(async () => {
    await pool.end();
    await postgres.stop();
  });

  it('applies files in name order and skips them the next time', async () => {
    const directory = await migrationsDir({
      '0002_b.sql': 'ALTER TABLE a ADD COLUMN b text;',
      '0001_a.sql': 'CREATE TABLE a (id int);',
    });
    const first = await migrate(pool, { namespace: 'svc', directory });
    expect(first).toEqual({
      results: [
        { name: '0001_a.sql', status: 'applied' },
        { name: '0002_b.sql', status: 'applied' },
      ],
    });
    const second = await migrate(pool, { namespace: 'svc', directory });
    expect(second.results.map((r) => r.status)).toEqual(['already-applied', 'already-applied']);
  });

  describe('when a file fails', () => {
    it('rolls that file back whole, records nothing for it, and does not run later files', async () => {
      const directory = await migrationsDir({
        '0001_ok.sql': 'CREATE TABLE ok (id int);',
        '0002_broken.sql': 'CREATE TABLE half (id int); SELECT no_such_function();',
        '0003_later.sql': 'CREATE TABLE later (id int);',
      });
      const report = await migrate(pool, { namespace: 'svc', directory });
      expect(report.results.map((r) => [r.name, r.status])).toEqual([
        ['0001_ok.sql', 'applied'],
        ['0002_broken.sql', 'failed'],
        ['0003_later.sql', 'not-run'],
      ]);
      expect(report.error).toMatchObject({ code: 'migration_failed' });
      expect(report.results[1]?.error).toMatch(/no_such_function/);
      expect(await tables(pool)).toEqual(['meshpact_migrations', 'ok']);
      const { rows } = await pool.query('SELECT name FROM meshpact_migrations');
      expect(rows).toEqual([{ name: '0001_ok.sql' }]);
    });
  });

  it('refuses a file that changed after it was applied', async () => {
    const directory = await migrationsDir({ '0001_a.sql': 'CREATE TABLE a (id int);' });
    await migrate(pool, { namespace: 'svc', directory });
    await writeFile(join(directory, '0001_a.sql'), 'CREATE TABLE a (id bigint);');
    const report = await migrate(pool, { namespace: 'svc', directory });
    expect(report.results).toEqual([
      expect.objectContaining({ name: '0001_a.sql', status: 'failed' }),
    ]);
    expect(report.error?.message).toMatch(/changed after it was applied/);
  });

  it('keeps namespaces apart, so two services may both have a 0001 file', async () => {
    const auth = await migrationsDir({ '0001_init.sql': 'CREATE TABLE users (id int);' });
    const backend = await migrationsDir({ '0001_init.sql': 'CREATE TABLE threads (id int);' });
    await migrate(pool, { namespace: 'auth', directory: auth });
    const report = await migrate(pool, { namespace: 'backend', directory: backend });
    expect(report.results).toEqual([{ name: '0001_init.sql', status: 'applied' }]);
    expect(await tables(pool)).toEqual(['meshpact_migrations', 'threads', 'users']);
  });

  it('applies each file once when two processes migrate at the same moment', async () => {
    const directory = await migrationsDir({
      '0001_a.sql': 'CREATE TABLE a (id int);',
      '0002_b.sql': 'CREATE TABLE b (id int);',
    });
    const other = createPool(postgres.connectionString);
    try {
      const reports = await Promise.all([
        migrate(pool, { namespace: 'svc', directory }),
        migrate(other, { namespace: 'svc', directory }),
      ]);
      const statuses = reports.flatMap((r) => r.results.map((x) => x.status)).sort();
      expect(statuses).toEqual(['already-applied', 'already-applied', 'applied', 'applied']);
      expect(reports.every((r) => r.error === undefined)).toBe(true);
    } finally {
      await other.end();
    }
  });
});
