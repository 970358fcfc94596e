import { Command } from 'commander';
import pg from 'pg';
import { checkExamples } from '../schemas/examples-check.js';
import { schemaRegistry } from '../schemas/registry.js';
import { startPostgres } from '../runtime/postgres.js';
import { loadRuntimeConfig } from '../runtime/runtime-config.js';
import { exitCodes, type CliContext } from './context.js';

export function runCommand(context: CliContext): Command {
  return new Command('run')
    .description('Run the whole mesh check (what `npm start` runs).')
    .addHelpText('after', '\nExample:\n  $ npx meshpact run')
    .action(async () => {
      const config = loadRuntimeConfig(context.env);

      const schemas = checkExamples(schemaRegistry());
      context.out(`schemas: ${schemas.schemas} compiled, ${schemas.examples} examples valid`);
      for (const problem of schemas.problems) context.err(`schemas: ${problem}`);

      const postgres = await startPostgres({ databaseUrl: config.databaseUrl });
      try {
        const client = new pg.Client({ connectionString: postgres.connectionString });
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
        await client.end();
        const where = postgres.embedded ? 'embedded' : 'DATABASE_URL';
        context.out(`postgres: ${where} server ${rows[0]?.server_version ?? '?'} is up`);
      } finally {
        await postgres.stop();
      }

      context.out('contracts: consumer tests, broker and verification are not wired into run yet');
      context.setExitCode(schemas.problems.length === 0 ? exitCodes.ok : exitCodes.failed);
    });
}
