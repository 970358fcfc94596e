import { writeFileSync } from 'node:fs';
import { loadMesh } from '../contracts/mesh.js';
import { createLogger } from '../runtime/logger.js';
import { verifyProvider } from '../verify/verify-provider.js';
import type { VerifyRequest } from './verify-in-child.js';

// Verifies one provider in a process of its own (see verify-in-child.ts): Pact's
// verifier writes its own output to standard output, which the parent keeps
// out of its terminal view and --json.

const request = JSON.parse(process.env.MESHPACT_VERIFY_REQUEST ?? '{}') as VerifyRequest;
const report = await verifyProvider(loadMesh(request.mesh), request.provider, {
  source: request.source,
  ...(request.databaseUrl ? { databaseUrl: request.databaseUrl } : {}),
  logger: createLogger({ level: request.logLevel, name: 'verify' }),
});
writeFileSync(request.resultFile, JSON.stringify(report));
