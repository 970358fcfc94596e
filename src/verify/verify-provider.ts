import { join } from 'node:path';
import type { Mesh } from '../contracts/mesh.js';
import { packageRoot } from '../runtime/paths.js';
import type { Logger } from '../runtime/logger.js';
import { verifyHttpProvider } from './http.js';
import { asyncApiFlowRules } from './flow-rules.js';
import type { VerificationReport } from './results.js';
import { startProvider } from './services.js';
import type { PactSource } from './verifier.js';
import { verifyMessageProvider } from './ws.js';

export interface ProviderVerificationOptions {
  source: PactSource;
  databaseUrl?: string;
  logger?: Logger;
}

/**
 * Verifies one provider of the mesh against the real service: starts it (and
 * what it depends on) on fresh Postgres, verifies every pact of its consumers
 * from `source`, and stops it all again.
 */
export async function verifyProvider(
  mesh: Mesh,
  provider: string,
  options: ProviderVerificationOptions,
): Promise<VerificationReport> {
  const consumers = mesh.contracts
    .filter((pair) => pair.provider === provider)
    .map((pair) => pair.consumer);
  const running = await startProvider(mesh, provider, {
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    const common = { provider, source: options.source, consumers, statesUrl: running.statesUrl };
    if (running.kind === 'message') {
      if (!running.wsUrl) throw new Error(`${provider} is served by no WebSocket endpoint`);
      // The manifest's ws: { frame-schema, flow } replace these once the mesh model is read here:
      // until then the only WebSocket provider is the built-in one, with its AsyncAPI flow rules.
      const asyncapi = mesh.pacticipants.get(provider)?.asyncapi;
      const flow = asyncapi ? asyncApiFlowRules(join(mesh.root, asyncapi)) : undefined;
      return await verifyMessageProvider({
        ...common,
        wsUrl: running.wsUrl,
        frameSchema: join(packageRoot(), 'schemas/events/server-frame.json'),
        ...(flow ? { flow } : {}),
      });
    }
    return await verifyHttpProvider({ ...common, providerBaseUrl: running.url });
  } finally {
    await running.close();
  }
}
