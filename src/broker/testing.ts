import type { Clock } from '../runtime/clock.js';
import { silentLogger } from '../runtime/logger.js';
import { startPostgres, type PostgresHandle } from '../runtime/postgres.js';
import { loadBrokerConfig } from './config.js';
import { start, type RunningBroker } from './server.js';

export interface BrokerUnderTest extends RunningBroker {
  readonly postgres: PostgresHandle;
}

export interface BrokerTestOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Webhook settings, as the BROKER_WEBHOOK_* variables would give them. */
  webhooks?: {
    schemes?: string[];
    methods?: string[];
    hosts?: string[];
    /** Seconds before each retry, e.g. `[0, 0]` for three quick attempts. */
    retrySchedule?: number[];
    timeoutSeconds?: number;
  };
  /** Another broker's Postgres to share (it is left running on close), as after a restart. */
  postgres?: PostgresHandle;
}

const webhookEnv = (webhooks: NonNullable<BrokerTestOptions['webhooks']>) => ({
  ...(webhooks.schemes ? { BROKER_WEBHOOK_SCHEMES: webhooks.schemes.join(',') } : {}),
  ...(webhooks.methods ? { BROKER_WEBHOOK_METHODS: webhooks.methods.join(',') } : {}),
  ...(webhooks.hosts ? { BROKER_WEBHOOK_HOSTS: webhooks.hosts.join(',') } : {}),
  ...(webhooks.retrySchedule
    ? { BROKER_WEBHOOK_RETRY_SCHEDULE: webhooks.retrySchedule.join(',') }
    : {}),
  ...(webhooks.timeoutSeconds !== undefined
    ? { BROKER_WEBHOOK_TIMEOUT: String(webhooks.timeoutSeconds) }
    : {}),
});

/** The broker on its own real Postgres (embedded, or a scratch database on DATABASE_URL), on a free port. */
export async function startBrokerForTest(
  options: BrokerTestOptions = {},
): Promise<BrokerUnderTest> {
  const config = loadBrokerConfig({
    BROKER_PORT: '0',
    LOG_LEVEL: 'silent',
    ...webhookEnv(options.webhooks ?? {}),
    ...options.env,
  });
  const owned = options.postgres === undefined;
  const postgres =
    options.postgres ??
    (await startPostgres({ databaseUrl: process.env.DATABASE_URL, scratchDatabase: true }));
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
        if (owned) await postgres.stop();
      },
    };
  } catch (error) {
    if (owned) await postgres.stop();
    throw error;
  }
}
