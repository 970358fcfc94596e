import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerificationReport } from '../verify/results.js';
import type { PactSource } from '../verify/verifier.js';

export interface VerifyRequest {
  /** The manifest file. */
  mesh: string;
  /** Verified one after another, on one set of their services. */
  providers: string[];
  source: PactSource;
  databaseUrl?: string;
  /** The services' LOG_LEVEL. */
  logLevel: string;
}

/** What the worker tells its parent: its services are up, or a provider's report. */
export type WorkerMessage = { started: true } | { report: VerificationReport };

/** What the parent tells the worker once its services are up: the pacts are published, verify. */
export interface GoMessage {
  go: true;
}

/** A verify worker, its services starting or started, waiting to be told to verify. */
export interface VerifyWorker {
  /**
   * Tells it to verify (once its services are up) and resolves with the
   * reports in the order of the request's providers, as soon as the last is
   * made; `verified` hears each as it is made. Rejects with the worker's last
   * output when it cannot run.
   */
  verify(verified?: (report: VerificationReport) => void): Promise<VerificationReport[]>;
  /** Stops it and what it started; it may never have been told to verify. */
  close(): Promise<void>;
}

/**
 * Starts verify-worker.js (the compiled one, beside this file) for providers
 * that share services. It loads and starts their services at once, so that
 * happens while the consumers' contracts are still being written, and
 * verifies when told. The verifier's own output (its standard output) is
 * kept, not printed; the output of the services it starts (standard error)
 * also goes to `logs`, as the logs of the rest of the run do. `signal` stops it.
 */
export function startVerifyWorker(
  request: VerifyRequest,
  options: {
    signal?: AbortSignal | undefined;
    logs?: { write(chunk: Buffer): unknown } | undefined;
  } = {},
): VerifyWorker {
  const { signal, logs } = options;
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'verify-worker.js');
  const output: Buffer[] = [];
  const reports = new Map<string, VerificationReport>();
  let onAllReported: () => void = () => undefined;
  const allReported = new Promise<void>((resolve) => (onAllReported = resolve));
  let verified: ((report: VerificationReport) => void) | undefined;
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const child = spawn(process.execPath, [worker], {
    env: {
      ...process.env,
      LOG_LEVEL: request.logLevel,
      PACT_DO_NOT_TRACK: 'true',
      MESHPACT_VERIFY_REQUEST: JSON.stringify(request),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stop = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', stop, { once: true });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      output.push(Buffer.from(String(error)));
      resolve(null);
    });
    child.once('close', (status) => {
      signal?.removeEventListener('abort', stop);
      resolve(status);
    });
  });
  child.on('message', (message: WorkerMessage) => {
    if ('started' in message) onStarted();
    else {
      reports.set(message.report.provider, message.report);
      verified?.(message.report);
      if (reports.size === request.providers.length) onAllReported();
    }
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    output.push(chunk);
    logs?.write(chunk);
  });

  return {
    async verify(listener) {
      verified = listener;
      const ready = await Promise.race([started.then(() => true), exited.then(() => false)]);
      // A worker that died meanwhile cannot be told; its exit says why below.
      if (ready) child.send({ go: true } satisfies GoMessage, () => undefined);
      // The last report is the end of verifying: the worker stops its services
      // meanwhile, and close() waits for that.
      const code = await Promise.race([allReported.then(() => 0), exited]);
      signal?.throwIfAborted();
      const missing = request.providers.filter((provider) => !reports.has(provider));
      if (code !== 0 || missing.length > 0)
        throw new Error(
          `verifying ${missing.join(', ') || request.providers.join(', ')} failed to run:\n${Buffer.concat(output).toString('utf8').slice(-4000)}`,
        );
      return request.providers.map((provider) => reports.get(provider)!);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) stop();
      await exited;
    },
  };
}
