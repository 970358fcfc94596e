import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadAuthConfig } from '../../providers/auth/config.js';
import { start as startAuth } from '../../providers/auth/server.js';
import { loadBackendConfig } from '../../providers/backend/config.js';
import { start as startBackend } from '../../providers/backend/server.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { createLogger } from '../runtime/logger.js';
import { startPostgres } from '../runtime/postgres.js';
import { loadRuntimeConfig } from '../runtime/runtime-config.js';
import { untilSignal } from '../runtime/signals.js';
import { Supervisor } from '../runtime/supervisor.js';
import { stopAll, type CliContext } from './context.js';

// The services meshpact ships; `up` starts them in process until it starts the manifest's commands.
const services = ['auth', 'backend'] as const;

export function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

interface UpOptions {
  port?: number;
  authPort?: number;
  backendPort?: number;
  authUrl?: string;
  host: string;
}

export function upCommand(context: CliContext): Command {
  return new Command('up')
    .description(
      'Serve mesh services on one Postgres (embedded unless DATABASE_URL is set) until Ctrl-C.',
    )
    .argument('[service...]', `services to start: ${services.join(', ')} (default: all)`)
    .addOption(new Option('--port <port>', 'port of the one service named').argParser(portOption))
    .addOption(
      new Option('--auth-port <port>', 'port of auth-service (default: a free one)').argParser(
        portOption,
      ),
    )
    .addOption(
      new Option(
        '--backend-port <port>',
        'port of backend-api and /ws (default: a free one)',
      ).argParser(portOption),
    )
    .option(
      '--auth-url <url>',
      'an auth-service already running, for `up backend` alone (env AUTH_URL)',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact up                                  # auth-service and backend-api
  $ npx meshpact up --auth-port 4001 --backend-port 4002
  $ npx meshpact up auth --port 4001
  $ DATABASE_URL=postgres://me@localhost/mesh npx meshpact up`,
    )
    .action(async (named: string[], options: UpOptions) => {
      const chosen = new Set(named.length === 0 ? services : named);
      for (const name of chosen) {
        if (!(services as readonly string[]).includes(name)) {
          throw new MeshpactError(
            'invalid_usage',
            `unknown service "${name}"; choose from ${services.join(', ')}`,
          );
        }
      }
      if (options.port !== undefined && chosen.size !== 1) {
        throw new MeshpactError(
          'invalid_usage',
          '--port needs exactly one service; use --auth-port and --backend-port',
        );
      }
      const externalAuth = options.authUrl ?? context.env.AUTH_URL;
      if (chosen.has('backend') && !chosen.has('auth') && !externalAuth) {
        throw new MeshpactError(
          'invalid_usage',
          'backend needs auth: start both, or give --auth-url',
        );
      }
      if (chosen.has('backend') && !chosen.has('auth') && !context.env.BACKEND_AUTH_CLIENT) {
        throw new MeshpactError(
          'invalid_usage',
          'with an external auth-service, set BACKEND_AUTH_CLIENT=name:secret',
        );
      }
      const runtime = loadRuntimeConfig(context.env);
      // The services of one mesh share an introspection secret nobody needs to type.
      const secret = `backend-api:${randomBytes(24).toString('base64url')}`;
      const portEnv = (name: string, port: number | undefined) =>
        port === undefined ? {} : { [name]: String(port) };
      const authConfig = loadAuthConfig({
        AUTH_INTROSPECTION_CLIENTS: secret,
        ...context.env,
        AUTH_HOST: options.host,
        ...portEnv('AUTH_PORT', options.port ?? options.authPort),
      });

      const supervisor = new Supervisor();
      const logger = createLogger({ level: runtime.logLevel });
      try {
        const postgres = await startPostgres({ databaseUrl: runtime.databaseUrl });
        supervisor.own('postgres', { close: () => postgres.stop() });
        context.out(`postgres: ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}`);
        let authUrl = externalAuth;
        if (chosen.has('auth')) {
          const auth = await startAuth(authConfig, {
            connectionString: postgres.connectionString,
            logger: logger.child({ name: 'auth-service' }),
          });
          supervisor.own('auth-service', auth);
          authUrl = auth.url;
          context.out(`auth-service: ${auth.url}`);
        }
        if (chosen.has('backend')) {
          const backendConfig = loadBackendConfig({
            BACKEND_AUTH_CLIENT: secret,
            ...context.env,
            AUTH_URL: authUrl,
            BACKEND_HOST: options.host,
            ...portEnv('BACKEND_PORT', options.port ?? options.backendPort),
          });
          const backend = await startBackend(backendConfig, {
            connectionString: postgres.connectionString,
            logger: logger.child({ name: 'backend-api' }),
          });
          supervisor.own('backend-api', backend);
          context.out(`backend-api: ${backend.url}`);
          context.out(`backend-events: ${backend.wsUrl}`);
        }
        context.out('ready; press Ctrl-C to stop');
        const signal = await untilSignal();
        context.out(`${signal ?? 'done'}: stopping`);
      } finally {
        await stopAll(supervisor, context);
      }
    });
}
