import { Command } from 'commander';
import type { Mesh } from '../contracts/mesh-model.js';
import { loadBrokerClientConfig } from '../broker/client-config.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { gitBranch, gitCommit } from '../runtime/git.js';
import { stopOnFatalError } from '../runtime/process-cleanup.js';
import { loadRuntimeConfig } from '../runtime/runtime-config.js';
import {
  defaultConsumerVersionSelectors,
  localPactSource,
  parseConsumerVersionSelectors,
} from '../verify/pact-source.js';
import { reportLines } from '../verify/report-lines.js';
import type { VerificationReport } from '../verify/results.js';
import type { PactSource } from '../verify/verifier.js';
import { addBrokerOptions, brokerEnv, type BrokerOptions } from './broker-options.js';
import { exitCodes, type CliContext } from './context.js';
import { addMeshOption, meshOf, pactDirsOf } from './mesh-option.js';

interface VerifyOptions extends BrokerOptions {
  provider: string;
  pactDir?: string;
  consumerVersionSelectors?: string;
  enablePending?: boolean;
  includeWipPactsSince?: string;
  publishVerificationResults?: boolean;
  providerAppVersion?: string;
  providerVersionBranch?: string;
}

export function verifyCommand(context: CliContext): Command {
  return addBrokerOptions(
    addMeshOption(new Command('verify'))
      .description(
        "Verify a provider's real service (started as the mesh manifest says) against its consumers' pacts.",
      )
      .requiredOption('--provider <name>', 'the provider to verify, e.g. auth-service')
      .option(
        '--pact-dir <dir>',
        "pact files to verify, when no broker is given (default: the folders the provider's consumers write to, their tests.pacts)",
      )
      .option(
        '--consumer-version-selectors <json>',
        `which pacts to fetch from the broker (default: ${JSON.stringify(defaultConsumerVersionSelectors)})`,
      )
      .option('--enable-pending', "a failing pact the provider has not verified yet doesn't fail")
      .option('--include-wip-pacts-since <date>', 'also verify work-in-progress pacts since a date')
      .option('--publish-verification-results', 'publish the results to the broker')
      .option(
        '--provider-app-version <version>',
        'the provider version results are published as (default: git rev-parse --short HEAD)',
      )
      .option(
        '--provider-version-branch <branch>',
        'the provider branch, for matchingBranch and published results (default: the git branch)',
      ),
  )
    .addHelpText(
      'after',
      `
Exit 0 when every interaction passes (a failure of a pending pact does not count), 1 otherwise.

Examples:
  $ npx meshpact verify --provider auth-service --pact-dir contracts/pacts
  $ npx meshpact verify --provider backend-api --broker-base-url http://127.0.0.1:9292 \\
      --enable-pending --publish-verification-results
  $ npx meshpact verify --provider auth-service --consumer-version-selectors '[{"branch":"main"}]'`,
    )
    .action(async (options: VerifyOptions, command: Command) => {
      const mesh = meshOf(context, command);
      const providers = [...new Set(mesh.contracts.map((pair) => pair.provider))];
      if (!providers.includes(options.provider))
        throw new MeshpactError(
          'invalid_usage',
          `unknown provider "${options.provider}"; choose from ${providers.join(', ')}`,
        );
      const runtime = loadRuntimeConfig(context.env);
      const source = pactSource(context, options, mesh);

      // Loaded only here: Pact's native core logs to stdout as it loads (at the LOG_LEVEL it
      // reads too), which would otherwise land in every command's output, `run --json`'s too.
      const { verifyProvider } = await import('../verify/verify-provider.js');
      // Pact's native verifier can hold a thread Node's own exit would wait for.
      const release = stopOnFatalError();
      let report: VerificationReport;
      try {
        report = await verifyProvider(mesh, options.provider, {
          source,
          ...(runtime.databaseUrl ? { databaseUrl: runtime.databaseUrl } : {}),
        });
      } finally {
        release();
      }
      // No --json: Pact's native verifier prints its own progress to stdout.
      for (const line of reportLines(report)) context.out(line);
      context.setExitCode(report.success ? exitCodes.ok : exitCodes.failed);
    });
}

/**
 * Pacts from the broker when one is named (flag or PACT_BROKER_BASE_URL), else
 * from --pact-dir, else from the folders the manifest's consumers of the
 * provider write their pacts to.
 */
function pactSource(context: CliContext, options: VerifyOptions, mesh: Mesh): PactSource {
  const env = brokerEnv(context.env, options);
  if (!env.PACT_BROKER_BASE_URL) {
    if (options.publishVerificationResults)
      throw new MeshpactError(
        'invalid_usage',
        '--publish-verification-results needs a broker: give --broker-base-url or set PACT_BROKER_BASE_URL',
      );
    const dirs = options.pactDir ? [options.pactDir] : pactDirsOf(mesh, options.provider);
    if (dirs.length === 0)
      throw new MeshpactError(
        'invalid_usage',
        `no consumer of ${options.provider} in ${mesh.file} says where its pacts are (tests.pacts); give --pact-dir`,
      );
    return { files: dirs.flatMap((dir) => localPactSource(dir, options.provider).files) };
  }
  const broker = loadBrokerClientConfig(env);
  return {
    brokerUrl: broker.baseUrl,
    ...(broker.token ? { token: broker.token } : {}),
    consumerVersionSelectors: options.consumerVersionSelectors
      ? parseConsumerVersionSelectors(options.consumerVersionSelectors)
      : defaultConsumerVersionSelectors,
    enablePending: options.enablePending ?? false,
    ...(options.includeWipPactsSince ? { includeWipPactsSince: options.includeWipPactsSince } : {}),
    providerVersionBranch: options.providerVersionBranch ?? gitBranch(),
    ...(options.publishVerificationResults
      ? { publish: { providerVersion: options.providerAppVersion ?? gitCommit() } }
      : {}),
  };
}
