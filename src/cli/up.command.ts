import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { MeshpactError } from '../errors/meshpact-error.js';
import { loadAuthConfig } from '../../providers/auth/config.js';
import { start as startAuth } from '../../providers/auth/server.js';
import { createLogger } from '../runtime/logger.js';
import { startPostgres } from '../runtime/postgres.js';
import { loadRuntimeConfig } from '../runtime/runtime-config.js';
import { untilSignal } from '../runtime/signals.js';
import { Supervisor } from '../runtime/supervisor.js';
import { exitCodes, type CliContext } from './context.js';

const services = ['auth'] as const;

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

interface UpOptions {
  port?: number;
  authPort?: number;
  host: string;
}

export function upCommand(context: CliContext): Command {
  return new Command('up')
    .description(
      'Serve mesh services on one Postgres (embedded unless DATABASE_URL is set) until Ctrl-C.',
    )
    .argument('[service...]', `services to start: ${services.join(', ')} (default: all)`)
    .addOption(new Option('--port <port>', 'port of the one service named').argParser(port))
    .addOption(
      new Option('--auth-port <port>', 'port of auth-service (default: a free one)').argParser(
        port,
      ),
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact up auth --port 4001
  $ DATABASE_URL=postgres://me@localhost/mesh npx meshpact up`,
    )
    .action(async (named: string[], options: UpOptions) => {
      const chosen = named.length === 0 ? [...services] : named;
      for (const name of chosen) {
        if (!(services as readonly string[]).includes(name)) {
          throw new MeshpactError(
            'invalid_usage',
            `unknown service "${name}"; choose from ${services.join(', ')}`,
          );
        }
      }
      if (options.port !== undefined && chosen.length !== 1) {
        throw new MeshpactError(
          'invalid_usage',
          '--port needs exactly one service; use --auth-port and friends for several',
        );
      }
      const runtime = loadRuntimeConfig(context.env);
      const authPort = options.port ?? options.authPort;
      const auth = loadAuthConfig({
        // The services of one mesh share an introspection secret nobody needs to type.
        AUTH_INTROSPECTION_CLIENTS: `backend-api:${randomBytes(24).toString('base64url')}`,
        ...context.env,
        AUTH_HOST: options.host,
        ...(authPort === undefined ? {} : { AUTH_PORT: String(authPort) }),
      });

      const supervisor = new Supervisor();
      const logger = createLogger({ level: runtime.logLevel });
      try {
        const postgres = await startPostgres({ databaseUrl: runtime.databaseUrl });
        supervisor.own('postgres', { close: () => postgres.stop() });
        context.out(`postgres: ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}`);
        if (chosen.includes('auth')) {
          const running = await startAuth(auth, {
            connectionString: postgres.connectionString,
            logger: logger.child({ name: 'auth-service' }),
          });
          supervisor.own('auth-service', running);
          context.out(`auth-service: ${running.url}`);
        }
        context.out('ready; press Ctrl-C to stop');
        const signal = await untilSignal();
        context.out(`${signal}: stopping`);
      } finally {
        const problems = await supervisor.stop();
        for (const problem of problems) context.err(`meshpact: ${problem.message}`);
        if (problems.length > 0) context.setExitCode(exitCodes.failed);
      }
    });
}
