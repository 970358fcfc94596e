import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

// The official Rust `pact-broker` CLI (from @pact-foundation/pact-cli), run
// as a subprocess, as CI scripts run it. Asynchronous on purpose: the broker
// under test answers from this same process.

const standalone = createRequire(import.meta.url)(
  '@pact-foundation/pact-cli/src/pact-standalone',
) as {
  standalone: (this: void) => { pactFullPath: string };
};

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function pactBroker(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(standalone.standalone().pactFullPath, ['broker', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PACT_DO_NOT_TRACK: 'true',
        PACT_BROKER_HTTP_RETRIES: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
