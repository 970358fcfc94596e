import { Command, Option } from 'commander';
import type { CanIDeployAnswer } from '../broker/client.js';
import { addBrokerOptions, brokerClient, type BrokerOptions } from './broker-options.js';
import { exitCodes, type CliContext } from './context.js';
import { columns } from '../report/table.js';

interface CanIDeployOptions extends BrokerOptions {
  pacticipant: string;
  version: string;
  toEnvironment?: string;
  to?: string;
  json?: boolean;
}

export function canIDeployCommand(context: CliContext): Command {
  return addBrokerOptions(
    new Command('can-i-deploy')
      .description(
        'Ask the broker whether a version is compatible with what it would be deployed alongside.',
      )
      .requiredOption('-a, --pacticipant <name>', 'the pacticipant, e.g. auth-service')
      .requiredOption('-e, --version <version>', 'its version, e.g. a git sha')
      .addOption(
        new Option('--to-environment <env>', 'the environment it would be deployed to').conflicts(
          'to',
        ),
      )
      .option('--to <tag>', 'deploy alongside the latest versions with this tag')
      .option('--json', 'print the answer as JSON'),
  )
    .addHelpText(
      'after',
      `
Without --to-environment or --to it is checked against the latest version of each
other pacticipant. Exit 0 only when deployable; 1 when not, or when it is unknown.

Examples:
  $ npx meshpact can-i-deploy --pacticipant auth-service --version 62e944b --to-environment production
  $ npx meshpact can-i-deploy -a web-app -e 1.4.0 --to prod --json`,
    )
    .action(async (options: CanIDeployOptions) => {
      const client = brokerClient(context.env, options);
      const answer = await client.canIDeploy({
        pacticipant: options.pacticipant,
        version: options.version,
        ...(options.toEnvironment ? { environment: options.toEnvironment } : {}),
        ...(options.to ? { tag: options.to } : {}),
      });
      if (options.json) context.out(JSON.stringify(answer, null, 2));
      else for (const line of describeAnswer(answer, options)) context.out(line);
      context.setExitCode(answer.deployable === true ? exitCodes.ok : exitCodes.failed);
    });
}

function describeAnswer(answer: CanIDeployAnswer, options: CanIDeployOptions): string[] {
  const header = ['CONSUMER', 'C.VERSION', 'PROVIDER', 'P.VERSION', 'SUCCESS?'];
  const rows = answer.rows.map((row) => [
    row.consumer,
    row.consumerVersion,
    row.provider,
    row.providerVersion ?? '???',
    row.success === null ? '???' : String(row.success),
  ]);
  const line = columns(header, rows, ' | ');
  const where = options.toEnvironment
    ? ` to ${options.toEnvironment}`
    : options.to
      ? ` alongside ${options.to}`
      : '';
  const verdict =
    answer.deployable === true
      ? `yes: ${options.pacticipant} ${options.version} can be deployed${where}`
      : `no: ${options.pacticipant} ${options.version} cannot be deployed${where}${answer.deployable === null ? ' (unknown)' : ''}`;
  return [
    ...(rows.length > 0 ? [line(header), ...rows.map(line)] : ['(no rows in the matrix)']),
    ...answer.reasons,
    verdict,
  ];
}
