import { Command, InvalidArgumentError, Option } from 'commander';
import { loadBrokerConfig } from '../broker/config.js';
import { start as startBroker } from '../broker/server.js';
import { createLogger } from '../runtime/logger.js';
import { startPostgres } from '../runtime/postgres.js';
import { untilSignal } from '../runtime/signals.js';
import { Supervisor } from '../runtime/supervisor.js';
import { stopAll, type CliContext } from './context.js';

export function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new InvalidArgumentError('must be a port from 0 to 65535');
  return n;
}

interface BrokerOptions {
  port?: number;
  host?: string;
  token?: string;
  readToken?: string;
  publicUrl?: string;
}

export function brokerCommand(context: CliContext): Command {
  return new Command('broker')
    .description(
      'Serve the Pact-Broker-compatible broker on Postgres (embedded unless DATABASE_URL is set) until Ctrl-C.',
    )
    .addOption(
      new Option('--port <port>', 'port to listen on (env BROKER_PORT, default 9292)').argParser(
        portOption,
      ),
    )
    .option('--host <host>', 'address to listen on (env BROKER_HOST, default 127.0.0.1)')
    .option('--token <token>', 'read-write bearer token (env PACT_BROKER_TOKEN); enables auth')
    .option(
      '--read-token <token>',
      'read-only bearer token (env PACT_BROKER_READ_TOKEN); enables auth',
    )
    .option(
      '--public-url <url>',
      'the URL clients use, for links; wins over env PACT_BROKER_BASE_URL(S) and BROKER_PUBLIC_URL',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact broker --port 9292
  $ npx meshpact broker --port 9292 --token s3cret --read-token readonly
  $ npx pact-broker publish contracts/pacts --consumer-app-version 1.0.0 --branch main \\
      --broker-base-url http://127.0.0.1:9292`,
    )
    .action(async (options: BrokerOptions) => {
      const given = (name: string, value: string | number | undefined) =>
        value === undefined ? {} : { [name]: String(value) };
      // --public-url replaces every base URL the environment gives, not just its alias.
      const baseUrlEnv =
        options.publicUrl === undefined
          ? {}
          : {
              PACT_BROKER_BASE_URL: options.publicUrl,
              PACT_BROKER_BASE_URLS: '',
              BROKER_PUBLIC_URL: '',
            };
      const config = loadBrokerConfig({
        ...context.env,
        ...baseUrlEnv,
        ...given('BROKER_PORT', options.port),
        ...given('BROKER_HOST', options.host),
        ...given('PACT_BROKER_TOKEN', options.token),
        ...given('PACT_BROKER_READ_TOKEN', options.readToken),
      });
      const supervisor = new Supervisor();
      const logger = createLogger({ level: config.logLevel, name: 'broker' });
      try {
        const postgres = await startPostgres({ databaseUrl: config.databaseUrl });
        supervisor.own('postgres', { close: () => postgres.stop() });
        context.out(`postgres: ${postgres.embedded ? 'embedded' : 'DATABASE_URL'}`);
        const broker = supervisor.own(
          'broker',
          await startBroker(config, { connectionString: postgres.connectionString, logger }),
        );
        context.out(`broker: ${broker.url}`);
        // PACT_BROKER_BASE_URL is also where the pact-broker CLI sends requests, so
        // an exported value meant for another broker would otherwise go unnoticed.
        if (config.baseUrls.length > 0) context.out(`links: ${config.baseUrls.join(' ')}`);
        context.out(
          config.token || config.readToken
            ? 'auth: bearer tokens required'
            : 'auth: none (anyone who can reach it may read and write)',
        );
        context.out('ready; press Ctrl-C to stop');
        const signal = await untilSignal();
        context.out(`${signal ?? 'done'}: stopping`);
      } finally {
        await stopAll(supervisor, context);
      }
    });
}
