import { createServer } from 'node:http';
import { join } from 'node:path';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { listen } from '../../src/runtime/listen.js';
import { createLogger, type Logger } from '../../src/runtime/logger.js';
import { migrateOrThrow } from '../../src/runtime/migrate.js';
import { packageRoot } from '../../src/runtime/paths.js';
import type { ResponseCheck } from '../../src/http/schema-io.js';
import { createApp } from './app.js';
import type { AuthConfig } from './config.js';
import { authProviderStates } from './provider-states.js';
import { KeyRing } from './tokens.js';

export interface StartAuthOptions {
  /** The Postgres to use; DATABASE_URL in config is the fallback. */
  connectionString?: string;
  clock?: Clock;
  logger?: Logger;
  responseCheck?: ResponseCheck;
}

export interface RunningAuth {
  readonly url: string;
  /** Issues a new signing key; the old one keeps verifying until its tokens expire. */
  rotateKeys(): Promise<string>;
  close(): Promise<void>;
}

export const authMigrations = () => join(packageRoot(), 'providers/auth/migrations');

/**
 * Runs auth-service: migrates its tables, loads its signing keys and listens.
 * `close()` stops the server (letting requests finish), then the pool.
 */
export async function start(
  config: AuthConfig,
  options: StartAuthOptions = {},
): Promise<RunningAuth> {
  const connectionString = options.connectionString ?? config.databaseUrl;
  if (!connectionString)
    throw new MeshpactError(
      'config_invalid',
      'DATABASE_URL is required: the Postgres auth-service keeps its tables in',
    );
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'auth-service' });
  const clock = options.clock ?? systemClock;
  const db = createPool(connectionString);
  try {
    await migrateOrThrow(db, { namespace: 'auth', directory: authMigrations() });
    // The issuer defaults to our own URL, which is known only once we listen.
    const server = createServer();
    const listening = await listen(server, { host: config.host, port: config.port });
    const settings = { ...config, issuer: config.issuer ?? listening.url };
    const keys = await KeyRing.load(db, clock, settings);
    const responseCheck = options.responseCheck ?? 'log';
    const { introspectionClients } = settings;
    const providerStates = config.providerStates
      ? [authProviderStates({ db, url: listening.url, introspectionClients })]
      : undefined;
    const app = createApp({ db, keys, settings, clock, logger, responseCheck, providerStates });
    server.on('request', app);
    logger.info({ url: listening.url }, 'auth-service listening');
    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      rotateKeys: () => keys.rotate(),
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
