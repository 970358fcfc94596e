import { startPostgres, type PostgresHandle } from '../../src/runtime/postgres.js';
import { buildCli, startBuilt, type LongRunning } from './meshpact-process.js';

/**
 * For a describe block: the services as processes from the built tree
 * (`node dist/providers/…/main.js`), as a manifest's `start: { command }`
 * starts them, with one Postgres for the block. Whatever a test starts is
 * killed after it.
 */
export function builtServices() {
  let postgres: PostgresHandle | undefined;
  beforeAll(async () => {
    buildCli();
    postgres = await startPostgres({
      databaseUrl: process.env.DATABASE_URL,
      scratchDatabase: true,
    });
  }, 120_000);
  afterAll(() => postgres?.stop());

  const started: LongRunning[] = [];
  afterEach(() => {
    for (const service of started.splice(0)) service.child.kill('SIGKILL');
  });

  return {
    /** The block's Postgres, for DATABASE_URL. */
    connectionString: () => postgres!.connectionString,
    start(service: 'auth' | 'backend', env: Record<string, string>): LongRunning {
      const running = startBuilt(`dist/providers/${service}/main.js`, env);
      started.push(running);
      return running;
    },
  };
}
