import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Mesh } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { readPactFiles } from '../contracts/pact-files.js';
import { pactsAtRef } from '../review/pacts-at-ref.js';
import { pactsFromBroker, reviewedPactFiles } from '../review/pact-sources.js';
import { reviewLines, reviewMarkdown } from '../review/review-report.js';
import { reviewedProviders, reviewMesh } from '../review/review.js';
import { checkGitRef } from '../review/schema-set.js';
import type { ReviewedPact } from '../review/consumer-impact.js';
import { addBrokerOptions, brokerClient, brokerEnv, type BrokerOptions } from './broker-options.js';
import { exitCodes, type CliContext } from './context.js';
import { addMeshOption, meshOf } from './mesh-option.js';

interface ReviewOptions extends BrokerOptions {
  base: string;
  pactDir?: string;
  json?: boolean;
  markdown?: boolean;
}

/** `meshpact review`, and the same command under another name (`meshpact schema diff`). */
export function reviewCommand(context: CliContext, name = 'review'): Command {
  return addBrokerOptions(
    addMeshOption(new Command(name))
      .description(
        'List each schema change since a git ref, whether it breaks, and the consumers that use it.',
      )
      .requiredOption(
        '--base <ref>',
        'the git ref to compare the working tree with, e.g. origin/main',
      )
      .option(
        '--pact-dir <dir>',
        "read the pacts here (default: the broker if named, else the consumers' tests.pacts)",
      )
      .addOption(new Option('--json', 'print the review as JSON').conflicts('markdown'))
      .option('--markdown', 'print the review as Markdown, for a pull request comment'),
  )
    .addHelpText(
      'after',
      `
The schemas under schemas/ (JSON Schema files, OpenAPI and AsyncAPI documents)
are read at --base with git show, never checked out, and compared with the
working tree. A change in a response or server frame breaks the consumers that
read it; one in a request or client frame breaks those that send it.

Pacts come from --pact-dir, else the broker (--broker-base-url or
PACT_BROKER_BASE_URL: the latest version on each consumer's main branch and
every deployed or released one), else from the consumers as they are at --base:
their contract tests (tests.command) run in a snapshot of it (git archive).

Exit 0 when no change breaks a consumer that uses it, 1 when one does or when a breaking
change could not be checked (no pact of its provider was read), 2 for bad usage.

Examples:
  $ npx meshpact review --base origin/main
  $ npx meshpact review --base main --markdown > review.md
  $ npx meshpact schema diff --base v1.4.0 --json`,
    )
    .action(async (options: ReviewOptions, command: Command) => {
      const mesh = meshOf(context, command);
      // One commit for the whole review, even if the branch moves meanwhile.
      const commit = checkGitRef(mesh.root, options.base);
      const pacts = await pactsFor(mesh, { ...options, commit }, context);
      const review = reviewMesh(mesh, { base: options.base, commit, pacts });
      if (options.json) context.out(JSON.stringify(review, null, 2));
      else if (options.markdown) context.out(reviewMarkdown(review).trimEnd());
      else for (const line of reviewLines(review)) context.out(line);
      // A change no pact could be checked against is not known to be safe.
      context.setExitCode(
        review.breaksConsumers || review.unverified ? exitCodes.failed : exitCodes.ok,
      );
    });
}

/** `meshpact schema diff`: the review under the name a schema reviewer looks for. */
export function schemaCommand(context: CliContext): Command {
  return new Command('schema')
    .description('Work with the schemas under schemas/.')
    .addCommand(reviewCommand(context, 'diff'));
}

async function pactsFor(
  mesh: Mesh,
  options: ReviewOptions & { commit: string },
  context: CliContext,
): Promise<ReviewedPact[]> {
  if (options.pactDir !== undefined) {
    const dir = resolve(options.pactDir);
    if (!existsSync(dir))
      throw new MeshpactError('invalid_usage', `no pact directory at ${options.pactDir}`);
    return reviewedPactFiles(readPactFiles(dir), process.cwd());
  }
  if (brokerEnv(context.env, options).PACT_BROKER_BASE_URL)
    return pactsFromBroker(brokerClient(context.env, options), reviewedProviders(mesh));
  context.err(
    `meshpact: running the consumers' contract tests at ${options.base} to write the pacts the review reads`,
  );
  return pactsAtRef(mesh, options.commit, options.base);
}
