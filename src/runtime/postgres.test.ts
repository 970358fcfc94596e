import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createPool } from './db.js';
import { migrateOrThrow } from './migrate.js';
import { startEmbeddedPostgres, startPostgres, type PostgresHandle } from './postgres.js';
import { hungServer } from './test-servers.js';

async function query<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  describe('when no DATABASE_URL is given', () => {
    it('starts a real server that migrates, writes and reads, then stops and leaves no files', async () => {
      const postgres = await startPostgres();
      const directory = postgres.directory;
      expect(postgres.embedded).toBe(true);
      expect(directory && existsSync(directory)).toBe(true);

      const migrations = await mkdtemp(join(tmpdir(), 'meshpact-migrations-'));
      await writeFile(
        join(migrations, '0001_notes.sql'),
        'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);',
      );
      const pool = createPool(postgres.connectionString);
      try {
        await migrateOrThrow(pool, { namespace: 'test', directory: migrations });
        await pool.query('INSERT INTO notes (body) VALUES ($1)', ['hello']);
        const { rows } = await pool.query<{ body: string }>('SELECT body FROM notes');
        expect(rows).toEqual([{ body: 'hello' }]);
      } finally {
        await pool.end();
        await postgres.stop();
        await rm(migrations, { recursive: true, force: true });
      }

      expect(existsSync(directory!)).toBe(false);
      await expect(query(postgres.connectionString, 'SELECT 1')).rejects.toThrow();
      await expect(postgres.stop()).resolves.toBeUndefined();
    });

    it('runs two servers side by side in one process, each with its own data', async () => {
      const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
      try {
        expect(a.connectionString).not.toBe(b.connectionString);
        await query(a.connectionString, 'CREATE TABLE only_in_a (x int)');
        const inB = await query<{ n: string }>(
          b.connectionString,
          "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'only_in_a'",
        );
        expect(inB).toEqual([{ n: '0' }]);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
      const again = await startPostgres();
      await expect(query(again.connectionString, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
      await again.stop();
    });
    it('makes its cluster with initdb once, then copies it, each server with a password of its own', async () => {
      const cacheDir = await mkdtemp(join(tmpdir(), 'meshpact-pg-cache-'));
      const initdbSays = 'The files belonging to this database system';
      try {
        const firstLog: string[] = [];
        const first = await startPostgres({ cacheDir, onLog: (line) => firstLog.push(line) });
        await first.stop();
        expect(firstLog.some((line) => line.includes(initdbSays))).toBe(true);
        const kept = (await readdir(cacheDir)).filter((name) => name.startsWith('postgres-'));
        expect(kept).toHaveLength(1);

        const secondLog: string[] = [];
        const [second, third] = await Promise.all([
          startPostgres({ cacheDir, onLog: (line) => secondLog.push(line) }),
          startPostgres({ cacheDir }),
        ]);
        try {
          expect(secondLog.some((line) => line.includes(initdbSays))).toBe(false);
          await expect(query(second.connectionString, 'SELECT 1 AS one')).resolves.toEqual([
            { one: 1 },
          ]);
          const passwordOf = (url: string) => new URL(url).password;
          expect(passwordOf(second.connectionString)).not.toBe(passwordOf(third.connectionString));
          // Over TCP only the password lets anyone in; the trusted socket is private to the server.
          const guessed = new URL(second.connectionString);
          guessed.password = passwordOf(third.connectionString);
          await expect(query(guessed.href, 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
        } finally {
          await Promise.all([second.stop(), third.stop()]);
        }
      } finally {
        await rm(cacheDir, { recursive: true, force: true });
      }
    });
  });

  describe('when DATABASE_URL names an external server', () => {
    let server: PostgresHandle;
    beforeAll(async () => {
      // A second embedded server stands in for the external one: it is a real,
      // separately started Postgres reached only through its URL.
      server = await startPostgres();
    });
    afterAll(() => server.stop());

    it('uses the server as given, and stopping the handle leaves it running', async () => {
      const handle = await startPostgres({ databaseUrl: server.connectionString });
      expect(handle).toMatchObject({ embedded: false, connectionString: server.connectionString });
      await handle.stop();
      await expect(query(server.connectionString, 'SELECT 1 AS one')).resolves.toEqual([
        { one: 1 },
      ]);
    });

    it('gives each scratch handle its own database and drops it on stop', async () => {
      const handle = await startPostgres({
        databaseUrl: server.connectionString,
        scratchDatabase: true,
      });
      const name = new URL(handle.connectionString).pathname.slice(1);
      expect(name).toMatch(/^meshpact_[0-9a-f]{12}$/);
      await query(handle.connectionString, 'CREATE TABLE scratch (x int)');
      await handle.stop();
      const left = await query(
        server.connectionString,
        'SELECT 1 FROM pg_database WHERE datname = $1',
        [name],
      );
      expect(left).toEqual([]);
    });

    it('says which server it could not reach, without its password', async () => {
      const url = new URL(server.connectionString);
      url.password = 'wrong-secret';
      const error = await startPostgres({
        databaseUrl: url.toString(),
        scratchDatabase: true,
      }).catch((e: unknown) => e as Error);
      expect(error).toMatchObject({ code: 'postgres_start_failed' });
      expect((error as Error).message).toContain(`cannot connect to postgres://postgres:***@`);
      expect((error as Error).message).not.toContain('wrong-secret');
    });

    it('gives up on a server that takes the connection and never answers', async () => {
      const hung = await hungServer();
      try {
        const { port } = new URL(hung.url);
        const error = await startPostgres({
          databaseUrl: `postgres://postgres:secret@127.0.0.1:${port}/postgres`,
          scratchDatabase: true,
        }).catch((e: unknown) => e as Error);
        expect(error).toMatchObject({ code: 'postgres_start_failed' });
        expect((error as Error).message).toMatch(
          /^cannot connect to postgres:\/\/postgres:\*\*\*@/,
        );
      } finally {
        await hung.close();
      }
    }, 30_000);
  });
});

describe('startEmbeddedPostgres', () => {
  it('stops the server and starts it again on the same port, with the data kept', async () => {
    const postgres = await startEmbeddedPostgres();
    try {
      await query(
        postgres.connectionString,
        'CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)',
      );
      await postgres.stopServer();
      await expect(query(postgres.connectionString, 'SELECT 1')).rejects.toThrow();
      await postgres.startServer();
      await expect(query(postgres.connectionString, 'SELECT x FROM kept')).resolves.toEqual([
        { x: 7 },
      ]);
    } finally {
      await postgres.stop();
    }
    expect(existsSync(postgres.directory)).toBe(false);
  });
});
