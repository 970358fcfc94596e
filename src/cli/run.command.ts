import { resolve } from 'node:path';
import { Command } from 'commander';
import { MeshpactError } from '../errors/meshpact-error.js';
import { renderOutcome, terminalProgress } from '../report/terminal.js';
import { checkGitRef } from '../review/schema-set.js';
import { writeReports } from '../report/write-reports.js';
import { loadConfig, setting } from '../runtime/config.js';
import { checkVersion } from '../runtime/git.js';
import { createLogger } from '../runtime/logger.js';
import { logLevels } from '../runtime/runtime-config.js';
import { untilSignal } from '../runtime/signals.js';
import { runMeshCheck, silentProgress } from '../run/mesh-check.js';
import { startVerifyWorker } from '../run/verify-in-child.js';
import { brokerEnv, type BrokerOptions } from './broker-options.js';
import { exitCodes, type CliContext } from './context.js';
import { addMeshOption, meshOf } from './mesh-option.js';

interface RunOptions extends BrokerOptions {
  base?: string;
  json?: boolean;
  reports: string;
  toEnvironment?: string;
}

/** The settings `run` reads from the environment, checked before anything starts. */
function loadRunConfig(env: CliContext['env'], options: RunOptions) {
  return loadConfig(brokerEnv(env, options), {
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    brokerUrl: setting.optionalUrl('PACT_BROKER_BASE_URL', ['http:', 'https:']),
    brokerToken: setting.optionalString('PACT_BROKER_TOKEN'),
    // The services' own logs would drown the progress view; warnings still show.
    logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'warn'),
    ci: setting.optionalString('CI'),
  });
}

export function runCommand(context: CliContext): Command {
  return addMeshOption(new Command('run'))
    .description(
      'Run the whole mesh check: contract tests, schema check, publish, verify every provider against the real services, can-i-deploy, reports.',
    )
    .option('--json', 'print the report as JSON on stdout, and nothing else')
    .option('--reports <dir>', 'where to write junit.xml, summary.md, mesh.html', 'reports')
    .option(
      '--broker-base-url <url>',
      "a Pact Broker or PactFlow to use (env PACT_BROKER_BASE_URL); meshpact's own otherwise",
    )
    .option('--broker-token <token>', 'its bearer token (env PACT_BROKER_TOKEN)')
    .option('--to-environment <name>', 'ask can-i-deploy about deploying to this environment')
    .option(
      '--base <ref>',
      'also review the schemas against this git ref (see meshpact review); summary.md gets the review',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 the mesh agrees, 1 a contract or can-i-deploy failure, 2 bad usage or configuration,
130 stopped by Ctrl-C (everything it started is stopped first).

Examples:
  $ npx meshpact run
  $ CI=true npx meshpact run --json > report.json
  $ npx meshpact run --mesh examples/shop/mesh.yaml
  $ npx meshpact run --base origin/main
  $ PACT_BROKER_BASE_URL=https://broker.example.com PACT_BROKER_TOKEN=… npx meshpact run`,
    )
    .action(async (options: RunOptions, command: Command) => {
      const config = loadRunConfig(context.env, options);
      const mesh = meshOf(context, command);
      const version = checkVersion(mesh.root);
      // A ref that names nothing is bad usage, refused before anything starts.
      if (options.base !== undefined) checkGitRef(mesh.root, options.base);
      const live = context.tty && !config.ci && !options.json;
      const logger = createLogger({ level: config.logLevel, name: 'meshpact' });
      const progress = options.json
        ? undefined
        : terminalProgress({ write: (text) => context.write(text), live });
      const controller = new AbortController();
      const finished = new AbortController();
      const interrupted = untilSignal(finished.signal).then((signal) => {
        if (!signal) return undefined;
        progress?.close();
        if (!options.json) context.err(`${signal}: stopping what the check started`);
        controller.abort(new MeshpactError('invalid_usage', `stopped by ${signal}`));
        return signal;
      });

      let report;
      try {
        report = await runMeshCheck(
          {
            mesh,
            version,
            databaseUrl: config.databaseUrl,
            broker: config.brokerUrl
              ? { url: config.brokerUrl, token: config.brokerToken }
              : undefined,
            pactDir: context.env.MESHPACT_PACT_DIR,
            toEnvironment: options.toEnvironment,
            base: options.base,
            logger,
            signal: controller.signal,
            startVerification: (providers, source, databaseUrl) =>
              startVerifyWorker(
                {
                  mesh: mesh.file,
                  providers,
                  source,
                  ...(databaseUrl ? { databaseUrl } : {}),
                  logLevel: config.logLevel,
                },
                { signal: controller.signal, logs: process.stderr },
              ),
          },
          progress ?? silentProgress,
        );
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      } finally {
        progress?.close();
        finished.abort();
      }
      // A signal stops the run even when the check got to its end meanwhile (it
      // came during the last phase, which does not look): the user asked to stop,
      // so no reports and no verdict, as at any other moment.
      if (controller.signal.aborted || !report) {
        const signal = await interrupted;
        context.err(
          `meshpact: stopped by ${signal ?? 'a signal'}; everything it started is stopped`,
        );
        context.setExitCode(exitCodes.interrupted);
        return;
      }

      const files = writeReports(resolve(mesh.root, options.reports), report);
      if (options.json) context.out(JSON.stringify(report));
      else {
        context.write(renderOutcome(report, live));
        context.out(`reports: ${files.join(', ')}`);
      }
      context.setExitCode(report.verdict === 'pass' ? exitCodes.ok : exitCodes.failed);
    });
}
