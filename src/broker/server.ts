import { createServer } from 'node:http';
import { join } from 'node:path';
import { systemClock, type Clock } from '../runtime/clock.js';
import { createPool } from '../runtime/db.js';
import { listen } from '../runtime/listen.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { migrateOrThrow } from '../runtime/migrate.js';
import { packageRoot } from '../runtime/paths.js';
import { hasTokens } from './access.js';
import { createApp } from './app.js';
import type { BrokerConfig } from './config.js';
import type { WebhookSettings } from './webhook-rules.js';
import { WebhookDispatcher } from './webhooks.js';

export interface StartBrokerOptions {
  /** The Postgres to use; DATABASE_URL in config is the fallback. */
  connectionString?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface RunningBroker {
  readonly url: string;
  close(): Promise<void>;
}

export const brokerMigrations = () => join(packageRoot(), 'src/broker/migrations');

export const webhookSettingsOf = (config: BrokerConfig): WebhookSettings => ({
  schemes: config.webhookSchemes,
  methods: config.webhookMethods,
  hosts: config.webhookHosts,
  // A broker with tokens is shared: its webhooks may not reach its own machine unless told so.
  allowLocal: config.webhookAllowLocal ?? !hasTokens(config),
  retrySchedule: config.webhookRetrySchedule,
  timeoutSeconds: config.webhookTimeout,
});

/**
 * Runs the broker: migrates its tables, listens, and runs webhooks (resuming
 * those still due from before). `close()` lets requests finish, stops the
 * webhooks, then ends the pool.
 */
export async function start(
  config: BrokerConfig,
  options: StartBrokerOptions = {},
): Promise<RunningBroker> {
  const connectionString = options.connectionString ?? config.databaseUrl;
  if (!connectionString)
    throw new Error('the broker needs a database: DATABASE_URL or a connection string');
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'broker' });
  const db = createPool(connectionString);
  try {
    await migrateOrThrow(db, { namespace: 'broker', directory: brokerMigrations() });
    const server = createServer();
    const listening = await listen(server, { host: config.host, port: config.port });
    const clock = options.clock ?? systemClock;
    const webhooks = webhookSettingsOf(config);
    const dispatcher = new WebhookDispatcher({
      db,
      clock,
      logger,
      baseUrl: config.baseUrls[0] ?? listening.url,
      settings: webhooks,
    });
    server.on(
      'request',
      createApp({
        db,
        clock,
        logger,
        baseUrls: config.baseUrls,
        tokens: { token: config.token, readToken: config.readToken },
        events: dispatcher,
        webhooks,
      }),
    );
    try {
      await dispatcher.start();
    } catch (error) {
      await listening.close();
      throw error;
    }
    logger.info({ url: listening.url }, 'broker listening');
    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      close() {
        closing ??= (async () => {
          await listening.close();
          await dispatcher.close();
          await db.end();
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.end();
    throw error;
  }
}
