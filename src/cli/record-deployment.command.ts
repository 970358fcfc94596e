import { Command } from 'commander';
import { addBrokerOptions, brokerClient, type BrokerOptions } from './broker-options.js';
import type { CliContext } from './context.js';

interface RecordDeploymentOptions extends BrokerOptions {
  pacticipant: string;
  version: string;
  environment: string;
  applicationInstance?: string;
}

export function recordDeploymentCommand(context: CliContext): Command {
  return addBrokerOptions(
    new Command('record-deployment')
      .description(
        'Record that a version is deployed to an environment (the version before it there is undeployed).',
      )
      .requiredOption('-a, --pacticipant <name>', 'the pacticipant, e.g. auth-service')
      .requiredOption('-e, --version <version>', 'the version deployed; it must exist')
      .requiredOption('--environment <env>', 'the environment; it must exist')
      .option(
        '--application-instance <instance>',
        'which instance, when several are deployed side by side',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact record-deployment --pacticipant auth-service --version 62e944b --environment production
  $ npx meshpact record-deployment -a web-app -e 1.4.0 --environment test --application-instance eu`,
    )
    .action(async (options: RecordDeploymentOptions) => {
      const client = brokerClient(context.env, options);
      await client.recordDeployment({
        pacticipant: options.pacticipant,
        version: options.version,
        environment: options.environment,
        ...(options.applicationInstance
          ? { applicationInstance: options.applicationInstance }
          : {}),
      });
      const instance = options.applicationInstance
        ? ` (instance ${options.applicationInstance})`
        : '';
      context.out(
        `recorded: ${options.pacticipant} ${options.version} is deployed to ${options.environment}${instance}`,
      );
    });
}
