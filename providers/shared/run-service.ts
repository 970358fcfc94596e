import { MeshpactError } from '../../src/errors/meshpact-error.js';
import type { Env } from '../../src/runtime/config.js';
import { untilSignal } from '../../src/runtime/signals.js';

export interface RunningService {
  readonly url: string;
  close(): Promise<void>;
}

export interface ServiceIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: ServiceIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * What a service's main.ts does: starts it, prints `<name> listening on <url>`
 * as the one line on stdout (logs go to stderr), and on SIGTERM or SIGINT
 * stops it (server, sockets, pool) and lets the process end on its own.
 * Resolves with the exit code: 0 stopped cleanly, 1 failed to start or stop,
 * 2 bad configuration (the message names the variable).
 *
 * @example process.exitCode = await runService('auth-service', () => start(loadAuthConfig(env)));
 */
export async function runService(
  name: string,
  start: () => Promise<RunningService>,
  io: ServiceIo = processIo,
): Promise<number> {
  // Listening from the start, so a signal during migrations stops the service once it is up.
  const stopped = untilSignal();
  let running: RunningService;
  try {
    running = await start();
  } catch (error) {
    io.err(`${name}: ${(error as Error).message}`);
    return error instanceof MeshpactError && error.code === 'config_invalid' ? 2 : 1;
  }
  io.out(`${name} listening on ${running.url}`);
  const signal = await stopped;
  try {
    await running.close();
  } catch (error) {
    io.err(`${name}: stopping after ${signal ?? 'the end'} failed: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}

/**
 * The environment with PORT and HOST, as process managers and meshpact's
 * `port: auto` pass them, under the service's own names (`<prefix>_PORT`,
 * `<prefix>_HOST`). PORT wins over AUTH_PORT: whoever sets it sends the
 * traffic (and the readiness check) there.
 */
export function serviceEnv(env: Env, prefix: string): Env {
  return {
    ...env,
    ...(env.PORT ? { [`${prefix}_PORT`]: env.PORT } : {}),
    ...(env.HOST ? { [`${prefix}_HOST`]: env.HOST } : {}),
  };
}
