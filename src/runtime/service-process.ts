import { setTimeout as sleep } from 'node:timers/promises';
import { fillPlaceholders } from '../contracts/placeholders.js';
import type { StartCommand } from '../contracts/mesh-model.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { fetchFailure } from './fetch-failure.js';
import { freePort, portIsFree } from './ports.js';
import { startPostgres, type PostgresHandle } from './postgres.js';
import { stopOnSignal } from './process-cleanup.js';
import { startProcessGroup, type Exit, type LineSink, type ProcessGroup } from './process-group.js';

export interface ServiceProcessOptions {
  /** The pacticipant's name: in error messages and before each line of its output. */
  name: string;
  start: StartCommand;
  /** Added last (the manifest's states.env), when the service is started for verification. */
  statesEnv?: Readonly<Record<string, string>>;
  /** Every placeholder but the service's own `{port}` and `{url}`; undefined for an unknown one. */
  lookup?: (name: string) => string | undefined;
  /** An external Postgres for `database: postgres` (a scratch database on it); embedded otherwise. */
  databaseUrl?: string;
  /** meshpact's own environment, which the service's starts from. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where its output goes (as `<name> | <line>`); meshpact's stderr by default. */
  output?: LineSink;
  /** Gives up waiting for readiness, stops it and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RunningService {
  name: string;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Stops its process group (SIGTERM, then SIGKILL after stopTimeoutMs), then its database. */
  close(): Promise<void>;
}

const POLL_MS = 100;

/**
 * Starts one service as its manifest entry says: `/bin/sh -c command` in a
 * process group of its own, on a free port (PORT, HOST=127.0.0.1), with a
 * fresh database of its own when it asks for one (DATABASE_URL), and waits
 * until GET <url><ready.http> answers 2xx. If it exits first or is not ready
 * in time, it is stopped and the error says why, with its last lines.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<RunningService> {
  const { name, start } = options;
  const port = start.port === 'auto' ? await freePort() : start.port;
  // Whatever holds a fixed port would answer the readiness check in the service's place.
  if (start.port !== 'auto' && !(await portIsFree(port)))
    throw new MeshpactError(
      'service_start_failed',
      `${name}: port ${port} is in use; stop what holds it or give port: auto`,
    );
  const url = `http://127.0.0.1:${port}`;
  const fill = (text: string) =>
    fillPlaceholders(text, (placeholder) => {
      if (placeholder === 'port') return String(port);
      if (placeholder === 'url') return url;
      return options.lookup?.(placeholder);
    });
  const filled = (env: Readonly<Record<string, string>> = {}) =>
    Object.fromEntries(Object.entries(env).map(([key, value]) => [key, fill(value)]));
  let command: string;
  let env: Record<string, string>;
  try {
    command = fill(start.command);
    env = { ...filled(start.env), ...filled(options.statesEnv) };
  } catch (error) {
    throw new MeshpactError('config_invalid', `${name}: ${(error as Error).message}`);
  }

  let databaseStart: Promise<PostgresHandle> | undefined;
  let group: ProcessGroup | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await group?.stop(start.stopTimeoutMs);
      } finally {
        try {
          // A database still starting (a signal came meanwhile) is waited for, then stopped.
          const database = await databaseStart?.catch(() => undefined);
          await database?.stop();
        } finally {
          release();
        }
      }
    })();
    return closing;
  };
  // From here on a signal that nothing else handles stops it (process-cleanup.ts).
  const release = stopOnSignal(close);
  try {
    if (start.database === 'postgres')
      databaseStart = startPostgres({
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        scratchDatabase: true,
      });
    const database = await databaseStart;
    if (closing) throw new MeshpactError('service_start_failed', `${name}: stopped while starting`);
    group = startProcessGroup(command, {
      name,
      cwd: start.cwd,
      env: {
        ...(options.env ?? process.env),
        PORT: String(port),
        HOST: '127.0.0.1',
        ...(database ? { DATABASE_URL: database.connectionString } : {}),
        PACT_DO_NOT_TRACK: 'true',
        ...env,
      },
      ...(options.output ? { output: options.output } : {}),
    });
    const problem = await untilReady(
      name,
      new URL(start.ready.http, url).href,
      start.ready.timeoutMs,
      group,
      options.signal,
    );
    if (problem === undefined) return { name, url, close };
    options.signal?.throwIfAborted();
    // Stopped first, so the last lines include what it wrote on its way out.
    await group.stop(start.stopTimeoutMs);
    const tail = group.tail();
    throw new MeshpactError(
      'service_start_failed',
      tail ? `${problem}; its last lines:\n${tail}` : `${problem}; it printed nothing`,
    );
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Polls `readyUrl` until it answers 2xx. Resolves with what went wrong when
 * the process exits first or time runs out, undefined once it is ready.
 */
async function untilReady(
  name: string,
  readyUrl: string,
  timeoutMs: number,
  group: ProcessGroup,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  let exit: Exit | undefined;
  void group.exited.then((ended) => (exit = ended));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    if (signal?.aborted) return 'stopped';
    if (exit) return `${name} ${describeExit(exit)} before it was ready (GET ${readyUrl})`;
    const left = deadline - Date.now();
    if (left <= 0)
      return `${name} was not ready within ${timeoutMs} ms: GET ${readyUrl} last gave ${last}`;
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(Math.min(left, 2000)) });
      await response.body?.cancel();
      if (response.ok) return undefined;
      last = `${response.status}`;
    } catch (error) {
      last = (error as Error).name === 'TimeoutError' ? 'no answer' : fetchFailure(error);
    }
    await sleep(POLL_MS);
  }
}

function describeExit(exit: Exit): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
