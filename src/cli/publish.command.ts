import { resolve } from 'node:path';
import { Command } from 'commander';
import { publishPacts } from '../broker/publish-pacts.js';
import { readPactFiles } from '../contracts/pact-files.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { gitBranch, gitCommit } from '../runtime/git.js';
import { addBrokerOptions, brokerClient, type BrokerOptions } from './broker-options.js';
import type { CliContext } from './context.js';
import { addMeshOption, meshOf, pactDirsOf } from './mesh-option.js';

interface PublishOptions extends BrokerOptions {
  consumerAppVersion?: string;
  branch?: string;
  tag: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function publishCommand(context: CliContext): Command {
  return addBrokerOptions(
    addMeshOption(new Command('publish'))
      .description('Publish pact files to a broker, one publication per consumer.')
      .argument(
        '[dir]',
        "directory of pact files (default: the folders the manifest's consumers write theirs to, tests.pacts)",
      )
      .option(
        '-a, --consumer-app-version <version>',
        'the consumer version (default: git rev-parse --short HEAD)',
      )
      .option('--branch <branch>', 'the consumer version branch (default: the git branch)')
      .option('-t, --tag <tag>', 'a tag for the consumer version (repeatable)', collect, [])
      .option('--json', 'print what was published as JSON'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ npx meshpact publish --broker-base-url http://127.0.0.1:9292
  $ PACT_BROKER_BASE_URL=https://broker.example.com npx meshpact publish contracts/pacts \\
      --consumer-app-version 1.4.0 --branch main --tag prod --tag v1`,
    )
    .action(async (dir: string | undefined, options: PublishOptions, command: Command) => {
      const client = brokerClient(context.env, options);
      const dirs = dir === undefined ? pactDirsOf(meshOf(context, command)) : [resolve(dir)];
      const pacts = dirs.flatMap((each) => readPactFiles(each));
      if (pacts.length === 0)
        throw new MeshpactError('invalid_usage', `no pact files in ${dir ?? dirs.join(', ')}`);
      const version = options.consumerAppVersion ?? gitCommit();
      const branch = options.branch ?? gitBranch();
      const publications = await publishPacts(client, {
        pacts,
        version,
        branch,
        tags: options.tag,
      });
      if (options.json) {
        context.out(JSON.stringify({ branch, tags: options.tag, publications }, null, 2));
        return;
      }
      for (const publication of publications) {
        context.out(
          `${publication.consumer} ${publication.version} (branch ${branch}): ${publication.providers.join(', ')}`,
        );
        for (const notice of publication.notices) context.out(`  ${notice.text}`);
      }
    });
}
