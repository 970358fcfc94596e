import type { Mesh } from '../contracts/mesh-model.js';
import { asyncApiFlowRules } from './flow-rules.js';
import { verifyHttpProvider } from './http.js';
import type { VerificationReport } from './results.js';
import { startProvider } from './services.js';
import type { PactSource } from './verifier.js';
import { verifyMessageProvider } from './ws.js';

export interface ProviderVerificationOptions {
  source: PactSource;
  databaseUrl?: string;
}

/**
 * Verifies one provider of the mesh against the real service: starts it (and
 * what it depends on) as the manifest says, verifies every pact of its
 * consumers from `source`, and stops it all again.
 */
export async function verifyProvider(
  mesh: Mesh,
  provider: string,
  options: ProviderVerificationOptions,
): Promise<VerificationReport> {
  const consumers = mesh.contracts
    .filter((pair) => pair.provider === provider)
    .map((pair) => pair.consumer);
  const running = await startProvider(
    mesh,
    provider,
    options.databaseUrl ? { databaseUrl: options.databaseUrl } : {},
  );
  try {
    const common = { provider, source: options.source, consumers, statesUrl: running.statesUrl };
    if (running.kind === 'message') {
      if (!running.wsUrl) throw new Error(`${provider} is served by no WebSocket endpoint`);
      const entry = mesh.pacticipants.get(provider);
      // The manifest's own flow rules win over the ones its AsyncAPI document declares.
      const flow =
        entry?.ws?.flow ?? (entry?.asyncapi ? asyncApiFlowRules(entry.asyncapi) : undefined);
      return await verifyMessageProvider({
        ...common,
        wsUrl: running.wsUrl,
        ...(entry?.ws?.frameSchema ? { frameSchema: entry.ws.frameSchema } : {}),
        ...(flow ? { flow } : {}),
      });
    }
    return await verifyHttpProvider({ ...common, providerBaseUrl: running.url });
  } finally {
    await running.close();
  }
}
