import type { Express, RequestHandler } from 'express';
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
    /** BROKER_WEBHOOK_ALLOW_LOCAL: needed for a local receiver when the broker has tokens. */
    allowLocal?: boolean;
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
  ...(webhooks.allowLocal !== undefined
    ? { BROKER_WEBHOOK_ALLOW_LOCAL: String(webhooks.allowLocal) }
    : {}),
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

export interface BrokerRoute {
  /** As declared, e.g. `/pacticipants/:name`. */
  path: string;
  /** Upper case, e.g. `POST`. */
  method: string;
  /** The first handler for that method: `reads` or `writes` (access.ts). */
  first: RequestHandler;
}

interface Layer {
  handle?: { stack?: Layer[] };
  route?: { path: string | string[]; stack: { method?: string; handle: RequestHandler }[] };
}

/**
 * Every path and method the app routes, read from express's router, so that
 * tests covering "every route" cover a route added later without being told.
 */
export function brokerRoutes(app: Express): BrokerRoute[] {
  const routes: BrokerRoute[] = [];
  const visit = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.handle?.stack) visit(layer.handle.stack);
      if (!layer.route) continue;
      const paths = [layer.route.path].flat();
      const seen = new Set<string>();
      for (const { method, handle } of layer.route.stack) {
        // `.all(methodNotAllowed(...))` answers the methods a path does not have.
        if (method === undefined || seen.has(method)) continue;
        seen.add(method);
        for (const path of paths)
          routes.push({ path, method: method.toUpperCase(), first: handle });
      }
    }
  };
  visit((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return routes;
}

/** Ids of what a test seeded, for the route parameters that name stored things by id. */
export interface SeededIds {
  environment: string;
  webhook: string;
  deployed: string;
  sha: string;
}

/**
 * A value for parameter `name` of route `path` that names what the test
 * seeded: the right kind of uuid for the route, the pact's sha, and for names
 * `names[name]` (a pacticipant `web` version `1.0.0` on `main` unless given).
 */
export function seededParam(
  path: string,
  name: string,
  ids: SeededIds,
  names: Record<string, string> = {},
): string {
  if (name === 'uuid')
    return path.startsWith('/webhooks')
      ? ids.webhook
      : path.startsWith('/deployed-versions')
        ? ids.deployed
        : ids.environment;
  if (name === 'environment') return ids.environment;
  if (name === 'sha') return ids.sha;
  if (name === 'number' || name === 'metadata') return '1';
  const values: Record<string, string> = {
    name: 'web',
    provider: 'api',
    consumer: 'web',
    version: '1.0.0',
    tag: 'main',
    branch: 'main',
    ...names,
  };
  return values[name] ?? name;
}
