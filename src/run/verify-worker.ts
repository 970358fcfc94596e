import { writeFileSync } from 'node:fs';
import { loadMesh } from '../contracts/mesh.js';
import { stopOnFatalError } from '../runtime/process-cleanup.js';
import type { VerificationReport } from '../verify/results.js';
import { verifyProvider } from '../verify/verify-provider.js';
import type { VerifyRequest } from './verify-in-child.js';

// Verifies one provider in a process of its own (see verify-in-child.ts): Pact's
// verifier writes its own output to standard output, which the parent keeps
// out of its terminal view and --json. A SIGTERM from the parent, or an
// uncaught error while verifying, stops the services it started
// (process-cleanup.ts) before it ends.

// A terminal's Ctrl-C reaches this process too (it shares run's process group),
// but run answers it by sending SIGTERM; taking both would skip the orderly stop.
process.on('SIGINT', () => undefined);

const request = JSON.parse(process.env.MESHPACT_VERIFY_REQUEST ?? '{}') as VerifyRequest;
// Pact's native verifier can hold a thread Node's own exit would wait for.
const release = stopOnFatalError();
let report: VerificationReport;
try {
  report = await verifyProvider(loadMesh(request.mesh), request.provider, {
    source: request.source,
    ...(request.databaseUrl ? { databaseUrl: request.databaseUrl } : {}),
  });
} finally {
  release();
}
writeFileSync(request.resultFile, JSON.stringify(report));
