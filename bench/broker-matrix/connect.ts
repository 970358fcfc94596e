import pg from 'pg';

/**
 * A connected client whose lost connection (the benchmark interrupted, its
 * Postgres stopping) fails the queries in flight instead of crashing the
 * process with an unhandled 'error', so the server's files are still removed.
 */
export async function connect(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
