import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { checkPactFiles } from '../contracts/contracts-check.js';
import { describeProblem } from '../contracts/schema-check.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { exitCodes, type CliContext } from './context.js';
import { addMeshOption, meshOf } from './mesh-option.js';

export function contractsCommand(context: CliContext): Command {
  const contracts = new Command('contracts').description('Work with pact files.');
  addMeshOption(contracts.command('check'))
    .description('Check every example in pact files against the schemas in schemas/.')
    .argument('[path]', 'a pact file or a directory of them', 'contracts/pacts')
    .option('--json', 'print the reports as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ npx meshpact contracts check\n  $ npx meshpact contracts check contracts/pacts/web-app-auth-service.json --json',
    )
    .action((path: string, options: { json?: boolean }, command: Command) => {
      const target = resolve(path);
      if (!existsSync(target))
        throw new MeshpactError('invalid_usage', `no pact file or directory at ${path}`);
      const reports = checkPactFiles(target, meshOf(context, command));
      if (options.json) {
        context.out(JSON.stringify(reports, null, 2));
      } else {
        for (const report of reports) {
          const verdict =
            report.problems.length === 0
              ? 'ok'
              : `${report.problems.length} example(s) break their schema`;
          context.out(
            `${report.consumer} -> ${report.provider}: ${report.interactions} interactions, ${verdict}`,
          );
          for (const problem of report.problems)
            context.out(`  ${describeProblem(problem).replaceAll('\n', '\n  ')}`);
        }
        if (reports.length === 0) context.out(`no pact files in ${path}`);
      }
      const failed = reports.some((report) => report.problems.length > 0);
      context.setExitCode(failed ? exitCodes.failed : exitCodes.ok);
    });
  return contracts;
}
