import { createServer } from 'node:http';
import { join } from 'node:path';
import { systemClock, type Clock } from '../runtime/clock.js';
import { createPool } from '../runtime/db.js';
import { listen } from '../runtime/listen.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { migrateOrThrow } from '../runtime/migrate.js';
import { packageRoot } from '../runtime/paths.js';
import { createApp } from './app.js';
import type { BrokerConfig } from './config.js';

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

/** Runs the broker: migrates its tables and listens. `close()` lets requests finish, then ends the pool. */
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
    server.on(
      'request',
      createApp({
        db,
        clock: options.clock ?? systemClock,
        logger,
        publicUrl: config.publicUrl,
        tokens: { token: config.token, readToken: config.readToken },
      }),
    );
    logger.info({ url: listening.url }, 'broker listening');
    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      close() {
        closing ??= (async () => {
          await listening.close();
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
