import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VerificationReport } from '../verify/results.js';
import type { PactSource } from '../verify/verifier.js';

export interface VerifyRequest {
  /** The manifest file. */
  mesh: string;
  provider: string;
  source: PactSource;
  databaseUrl?: string;
  /** The services' LOG_LEVEL. */
  logLevel: string;
  resultFile: string;
}

/**
 * Runs verify-worker.js (the compiled one, beside this file) for one provider
 * and returns its report. The verifier's own output (its standard output) is
 * kept, not printed; the output of the services it starts (standard error)
 * also goes to `logs`, as the logs of the rest of the run do.
 */
export async function verifyInChild(
  request: Omit<VerifyRequest, 'resultFile'>,
  signal?: AbortSignal,
  logs?: { write(chunk: Buffer): unknown },
): Promise<VerificationReport> {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-verify-'));
  const resultFile = join(dir, 'report.json');
  const worker = join(dirname(fileURLToPath(import.meta.url)), 'verify-worker.js');
  try {
    const output: Buffer[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [worker], {
        env: {
          ...process.env,
          LOG_LEVEL: request.logLevel,
          PACT_DO_NOT_TRACK: 'true',
          MESHPACT_VERIFY_REQUEST: JSON.stringify({ ...request, resultFile }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stop = () => child.kill('SIGTERM');
      signal?.addEventListener('abort', stop, { once: true });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => {
        output.push(chunk);
        logs?.write(chunk);
      });
      child.once('error', reject);
      child.once('close', (status) => {
        signal?.removeEventListener('abort', stop);
        resolve(status);
      });
    });
    signal?.throwIfAborted();
    if (code !== 0)
      throw new Error(
        `verifying ${request.provider} failed to run:\n${Buffer.concat(output).toString('utf8').slice(-4000)}`,
      );
    return JSON.parse(readFileSync(resultFile, 'utf8')) as VerificationReport;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
