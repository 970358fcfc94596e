import pg from 'pg';

/**
 * The one shape repositories depend on: `query` of a pg Pool, PoolClient or
 * Client. A transaction is just a Queryable handed down to the repositories.
 */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export type Pool = pg.Pool;

export function createPool(connectionString: string, options: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client losing its server (Postgres stopping) must not crash the process;
  // the next query on the pool reports the problem to its caller instead.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (trx: Queryable) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
