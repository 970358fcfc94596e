import { loadMesh } from '../contracts/mesh.js';
import { stopOnFatalError } from '../runtime/process-cleanup.js';
import type { VerificationReport } from '../verify/results.js';
import { verifyProviders } from '../verify/verify-provider.js';
import type { VerifyRequest, WorkerMessage } from './verify-in-child.js';

// Verifies providers that share services in a process of their own (see
// verify-in-child.ts): starts their services, says so, waits to be told the
// pacts are published, and sends each report as it is made. Pact's verifier
// writes its own output to standard output, which the parent keeps out of
// its terminal view and --json. A SIGTERM from the parent, or an uncaught
// error while verifying, stops the services it started (process-cleanup.ts)
// before it ends.

// A terminal's Ctrl-C reaches this process too (it shares run's process group),
// but run answers it by sending SIGTERM; taking both would skip the orderly stop.
process.on('SIGINT', () => undefined);

// Listening before it says it has started: the go cannot come before that.
// A parent gone before the go (killed outright) will never send it.
const go = new Promise<void>((resolve, reject) => {
  process.once('message', () => resolve());
  process.once('disconnect', () => reject(new Error('meshpact went away before verifying')));
});
// Awaited once the services are up; a rejection before then is not an unhandled one.
go.catch(() => undefined);
const send = (message: WorkerMessage) =>
  new Promise<void>((resolve, reject) =>
    process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())),
  );
const sent: Promise<void>[] = [];

const request = JSON.parse(process.env.MESHPACT_VERIFY_REQUEST ?? '{}') as VerifyRequest;
// Pact's native verifier can hold a thread Node's own exit would wait for.
const release = stopOnFatalError();
try {
  await verifyProviders(loadMesh(request.mesh), request.providers, {
    source: request.source,
    ...(request.databaseUrl ? { databaseUrl: request.databaseUrl } : {}),
    started: async () => {
      await send({ started: true });
      await go;
    },
    verified: (report: VerificationReport) => void sent.push(send({ report })),
  });
} finally {
  release();
}
await Promise.all(sent);
process.disconnect();
