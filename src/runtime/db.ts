import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isDatabaseUnavailable } from '../errors/database-unavailable.js';

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

/**
 * How long getting a connection may take (connecting, or waiting for a free
 * one): past it the caller gets an error it can answer 503 with
 * (isDatabaseUnavailable) instead of waiting on an unreachable server forever.
 */
const CONNECT_TIMEOUT_MS = 10_000;

export function createPool(connectionString: string, options: { max?: number } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // A client losing its server (Postgres stopping) must not crash the process;
  // the next query reports the problem to its caller instead. The pool listens
  // on idle clients only ('error' on the pool); a client checked out between
  // two queries of a transaction has no listener but this one, and without it
  // the server's "terminating connection" would be an unhandled 'error' event.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
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

export interface RetryOptions {
  /** How long to keep trying, from the first failure; 30 s unless given. */
  patienceMs?: number;
  /** Stops retrying (the last failure is thrown) once aborted. */
  signal?: AbortSignal;
}

/**
 * Runs `work`, and again while the database is out of reach (stopped,
 * restarting): after 100 ms, then twice as long each time up to 2 s, for at
 * most `patienceMs`. Any other failure, or the last one, is thrown.
 */
export async function retryWhileUnavailable(
  work: () => Promise<void>,
  options: RetryOptions = {},
): Promise<void> {
  const giveUpAt = Date.now() + (options.patienceMs ?? 30_000);
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      await work();
      return;
    } catch (error) {
      if (!isDatabaseUnavailable(error) || options.signal?.aborted || Date.now() >= giveUpAt)
        throw error;
    }
    await sleep(delay, undefined, options.signal ? { signal: options.signal } : {}).catch(
      () => undefined,
    );
  }
}
