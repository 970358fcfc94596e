import type { Clock } from '../../src/runtime/clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { loadAuthConfig } from './config.js';
import { start, type RunningAuth } from './server.js';

export interface AuthUnderTest extends RunningAuth {
  readonly postgres: PostgresHandle;
}

/**
 * auth-service on its own real Postgres (embedded, or a scratch database on
 * DATABASE_URL), on a free port, with responses checked against their schemas
 * (a mismatch is a 500). For tests and provider verification.
 */
export async function startAuthForTest(
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<AuthUnderTest> {
  const config = loadAuthConfig({
    AUTH_INTROSPECTION_CLIENTS: 'backend-api:test-introspection-secret',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const postgres = await startPostgres({
    databaseUrl: process.env.DATABASE_URL,
    scratchDatabase: true,
  });
  try {
    const auth = await start(config, {
      connectionString: postgres.connectionString,
      logger: silentLogger,
      responseCheck: 'throw',
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return {
      ...auth,
      postgres,
      async close() {
        await auth.close();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
