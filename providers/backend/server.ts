import { createServer } from 'node:http';
import { join } from 'node:path';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { systemClock, type Clock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import type { ResponseCheck } from '../../src/http/schema-io.js';
import { listen } from '../../src/runtime/listen.js';
import { createLogger, type Logger } from '../../src/runtime/logger.js';
import { migrateOrThrow } from '../../src/runtime/migrate.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { CircuitBreaker } from '../../src/runtime/circuit-breaker.js';
import { createIntrospectionClient, createTokenVerifier } from '../auth/client.js';
import { createApp } from './app.js';
import { createAuthenticator } from './authenticator.js';
import { BackendService } from './backend.service.js';
import type { BackendConfig } from './config.js';
import { EventFeed } from './event-feed.js';
import { backendStateModules } from './provider-states.js';
import { attachGateway, type Gateway } from './gateway.js';
import { AgentRunner } from './runner.js';
import { RunSweeper } from './run-sweeper.js';

export interface StartBackendOptions {
  /** The Postgres to use; DATABASE_URL in config is the fallback. */
  connectionString?: string;
  clock?: Clock;
  logger?: Logger;
  responseCheck?: ResponseCheck;
}

export interface RunningBackend {
  readonly url: string;
  /** e.g. `ws://127.0.0.1:4002/ws` */
  readonly wsUrl: string;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export const backendMigrations = () => join(packageRoot(), 'providers/backend/migrations');

/**
 * Runs backend-api with its /ws gateway on one HTTP server. `close()` stops
 * sweeping for lapsed runs, closes the sockets (1001), lets runs in progress
 * finish, stops the server, then the event feed and the pool.
 */
export async function start(
  config: BackendConfig,
  options: StartBackendOptions = {},
): Promise<RunningBackend> {
  const connectionString = options.connectionString ?? config.databaseUrl;
  if (!connectionString)
    throw new MeshpactError(
      'config_invalid',
      'DATABASE_URL is required: the Postgres backend-api keeps its tables in',
    );
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'backend-api' });
  const clock = options.clock ?? systemClock;
  const db = createPool(connectionString);
  const feed = new EventFeed(connectionString, logger);
  const runner = new AgentRunner({
    db,
    clock,
    logger,
    stepDelayMs: config.stepDelayMs,
    leaseMs: config.runLeaseMs,
  });
  const sweeper = new RunSweeper({
    db,
    clock,
    logger,
    leaseMs: config.runLeaseMs,
    spares: (runId) => runner.isRunning(runId),
  });
  try {
    await migrateOrThrow(db, { namespace: 'backend', directory: backendMigrations() });
    await feed.open();
    // Before listening: runs a crashed predecessor left, if their leases have
    // lapsed, end now; the rest at a later sweep.
    await sweeper.start();
    // One breaker for both calls: they reach the same auth-service.
    const authBreaker = new CircuitBreaker({ clock });
    const verifier = createTokenVerifier({
      jwksUrl: new URL('/.well-known/jwks.json', config.authUrl),
      issuer: config.authIssuer ?? config.authUrl.replace(/\/$/, ''),
      audience: config.authAudience,
      clock,
      timeoutMs: config.authTimeoutMs,
      breaker: authBreaker,
    });
    const introspection = createIntrospectionClient({
      baseUrl: config.authUrl,
      clientId: config.authClient.id,
      clientSecret: config.authClient.secret,
      timeoutMs: config.authTimeoutMs,
      breaker: authBreaker,
    });
    const authenticator = createAuthenticator(verifier, introspection);
    const runLimits = {
      perUser: config.runLimitPerUser,
      perTenant: config.runLimitPerTenant,
      windowSeconds: config.runLimitWindow,
    };
    const service = new BackendService({ db, clock, runner, runLimits });
    const providerStates = config.providerStates
      ? backendStateModules({
          db,
          url: () => listening.url,
          authUrl: config.authUrl,
          authenticator,
        })
      : undefined;
    const app = createApp({
      db,
      service,
      authenticator,
      readiness: { auth_jwks: () => verifier.keysAvailable() },
      logger,
      responseCheck: options.responseCheck ?? 'log',
      providerStates,
    });
    const server = createServer(app);
    const gateway = attachGateway(server, {
      ...config,
      service,
      authenticator,
      feed,
      db,
      clock,
      logger,
    });
    const listening = await listen(server, { host: config.host, port: config.port });
    logger.info({ url: listening.url }, 'backend-api listening');
    let closing: Promise<void> | undefined;
    return {
      url: listening.url,
      wsUrl: `${listening.url.replace(/^http/, 'ws')}/ws`,
      gateway,
      close() {
        closing ??= (async () => {
          await sweeper.close();
          await gateway.close();
          await runner.close();
          await listening.close();
          await feed.close();
          await db.end();
        })();
        return closing;
      },
    };
  } catch (error) {
    await sweeper.close();
    await runner.close();
    await feed.close();
    await db.end();
    throw error;
  }
}
