import type { Clock } from '../runtime/clock.js';
import { silentLogger } from '../runtime/logger.js';
import { startPostgres, type PostgresHandle } from '../runtime/postgres.js';
import { loadBrokerConfig } from './config.js';
import { start, type RunningBroker } from './server.js';

export interface BrokerUnderTest extends RunningBroker {
  readonly postgres: PostgresHandle;
}

/** The broker on its own real Postgres (embedded, or a scratch database on DATABASE_URL), on a free port. */
export async function startBrokerForTest(
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<BrokerUnderTest> {
  const config = loadBrokerConfig({ BROKER_PORT: '0', LOG_LEVEL: 'silent', ...options.env });
  const postgres = await startPostgres({
    databaseUrl: process.env.DATABASE_URL,
    scratchDatabase: true,
  });
  try {
    const broker = await start(config, {
      connectionString: postgres.connectionString,
      logger: silentLogger,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    return {
      ...broker,
      postgres,
      async close() {
        await broker.close();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
