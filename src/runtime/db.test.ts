import { createPool, retryWhileUnavailable } from './db.js';
import { startPostgres, type PostgresHandle } from './postgres.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('createPool', () => {
  let postgres: PostgresHandle;
  beforeAll(async () => {
    postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
  });
  afterAll(() => postgres.stop());

  describe('when the server ends a connection that is checked out between two queries', () => {
    it('reports it to the next query instead of crashing the process, and drops the client', async () => {
      const pool = createPool(postgres.connectionString, { max: 2 });
      try {
        const client = await pool.connect();
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const pid = rows[0]!.pid;
        await pool.query('SELECT pg_terminate_backend($1)', [pid]);
        // Once the server has ended it, the client has heard of it (or soon will).
        for (;;) {
          const { rowCount } = await pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [
            pid,
          ]);
          if (rowCount === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        await expect(client.query('SELECT 1')).rejects.toThrow();
        client.release();
        await expect(pool.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
      } finally {
        await pool.end();
      }
    });
  });
});

describe('retryWhileUnavailable', () => {
  it('tries again while the database is out of reach, until the work is done', async () => {
    let attempts = 0;
    await retryWhileUnavailable(() => {
      attempts += 1;
      return attempts < 3 ? Promise.reject(refused()) : Promise.resolve();
    });
    expect(attempts).toBe(3);
  });

  it('throws any other failure at once, and the last one once its patience is spent', async () => {
    let attempts = 0;
    const other = Object.assign(new Error('duplicate key'), { code: '23505' });
    await expect(
      retryWhileUnavailable(() => {
        attempts += 1;
        return Promise.reject(other);
      }),
    ).rejects.toBe(other);
    expect(attempts).toBe(1);
    await expect(
      retryWhileUnavailable(() => Promise.reject(refused()), { patienceMs: 0 }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
