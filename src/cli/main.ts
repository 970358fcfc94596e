import { Command, CommanderError } from 'commander';
import { MeshpactError } from '../errors/meshpact-error.js';
import { loadConfig, setting } from '../runtime/config.js';
import { packageVersion } from '../runtime/paths.js';
import { logLevels } from '../runtime/runtime-config.js';
import { exitCodes, type CliContext, type ExitCode } from './context.js';
import { brokerCommand } from './broker.command.js';
import { canIDeployCommand } from './can-i-deploy.command.js';
import { runCommand } from './run.command.js';
import { contractsCommand } from './contracts.command.js';
import { eventsCommand } from './events.command.js';
import { initCommand } from './init.command.js';
import { addMeshOption } from './mesh-option.js';
import { publishCommand } from './publish.command.js';
import { recordDeploymentCommand } from './record-deployment.command.js';
import { reviewCommand, schemaCommand } from './review.command.js';
import { upCommand } from './up.command.js';
import { verifyCommand } from './verify.command.js';

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out(line: string): void;
  err(line: string): void;
  /** Writes without a newline, for a progress line that updates in place. */
  write(text: string): void;
  /** Whether stdout is an interactive terminal. */
  tty: boolean;
}

const processIo: CliIo = {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  write: (text) => process.stdout.write(text),
  tty: process.stdout.isTTY === true,
};

export function buildProgram(context: CliContext): Command {
  const program = addMeshOption(new Command('meshpact'))
    .description('Contract testing for a service mesh: consumers and providers checked both ways.')
    .version(packageVersion(), '-V, --version')
    .configureOutput({
      writeOut: (text) => context.out(text.trimEnd()),
      writeErr: (text) => context.err(text.trimEnd()),
    })
    .exitOverride()
    // Program options only before the command: `can-i-deploy --version 1.0` is the pacticipant's.
    .enablePositionalOptions()
    .showHelpAfterError('(run meshpact --help for usage)');
  for (const command of [
    initCommand(context),
    runCommand(context),
    upCommand(context),
    brokerCommand(context),
    eventsCommand(context),
    contractsCommand(context),
    publishCommand(context),
    verifyCommand(context),
    canIDeployCommand(context),
    recordDeploymentCommand(context),
    reviewCommand(context),
    schemaCommand(context),
  ]) {
    // Commands built apart must still throw instead of exiting, and write through context.
    program.addCommand(command.copyInheritedSettings(program));
  }
  // Every command, logging or not, refuses a LOG_LEVEL nothing could log at
  // (Pact's own logger would otherwise die on it with a stack trace).
  program.hook('preAction', () => {
    loadConfig(context.env, { logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'info') });
  });
  return program;
}

/**
 * Runs the CLI and resolves with the exit code: 0 all good, 1 a contract or
 * compatibility failure, 2 bad usage or configuration. An error becomes one
 * plain line on stderr; nothing here calls process.exit.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: ExitCode = exitCodes.ok;
  const context: CliContext = {
    ...io,
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code) as ExitCode;
    },
  };
  try {
    await buildProgram(context).parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const usage =
      error instanceof MeshpactError &&
      (error.code === 'config_invalid' || error.code === 'invalid_usage');
    io.err(`meshpact: ${(error as Error).message}`);
    return usage ? exitCodes.usage : exitCodes.failed;
  }
}
