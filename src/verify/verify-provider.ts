import type { Mesh } from '../contracts/mesh-model.js';
import { asyncApiFlowRules } from './flow-rules.js';
import { verifyHttpProvider } from './http.js';
import type { VerificationReport } from './results.js';
import { startProviders, type ProviderEndpoints } from './services.js';
import type { PactSource } from './verifier.js';
import { verifyMessageProvider } from './ws.js';

export interface ProviderVerificationOptions {
  /** The same for every provider (a broker), or each provider's own (its pact files). */
  source: PactSource | ((provider: string) => PactSource);
  databaseUrl?: string;
}

/**
 * Verifies providers of the mesh against their real services: starts what
 * they need (each service once) as the manifest says, verifies every pact of
 * each provider's consumers from `source`, one provider after another, and
 * stops it all again.
 */
export async function verifyProviders(
  mesh: Mesh,
  providers: readonly string[],
  options: ProviderVerificationOptions & {
    /** Awaited once the services are up, before verifying: the pacts may still be on their way. */
    started?: () => Promise<void>;
    verified?: (report: VerificationReport) => void;
  },
): Promise<VerificationReport[]> {
  const running = await startProviders(
    mesh,
    providers,
    options.databaseUrl ? { databaseUrl: options.databaseUrl } : {},
  );
  try {
    await options.started?.();
    const reports: VerificationReport[] = [];
    for (const provider of providers) {
      const { source } = options;
      const report = await verifyOne(
        mesh,
        running.endpointsOf(provider),
        typeof source === 'function' ? source(provider) : source,
      );
      reports.push(report);
      options.verified?.(report);
    }
    return reports;
  } finally {
    await running.close();
  }
}

/** Verifies one provider of the mesh (see verifyProviders). */
export async function verifyProvider(
  mesh: Mesh,
  provider: string,
  options: ProviderVerificationOptions,
): Promise<VerificationReport> {
  const [report] = await verifyProviders(mesh, [provider], options);
  return report!;
}

function verifyOne(
  mesh: Mesh,
  running: ProviderEndpoints,
  source: PactSource,
): Promise<VerificationReport> {
  const { provider } = running;
  const consumers = mesh.contracts
    .filter((pair) => pair.provider === provider)
    .map((pair) => pair.consumer);
  const common = { provider, source, consumers, statesUrl: running.statesUrl };
  if (running.kind === 'message') {
    if (!running.wsUrl) throw new Error(`${provider} is served by no WebSocket endpoint`);
    const entry = mesh.pacticipants.get(provider);
    // The manifest's own flow rules win over the ones its AsyncAPI document declares.
    const flow =
      entry?.ws?.flow ?? (entry?.asyncapi ? asyncApiFlowRules(entry.asyncapi) : undefined);
    return verifyMessageProvider({
      ...common,
      wsUrl: running.wsUrl,
      ...(entry?.ws?.frameSchema ? { frameSchema: entry.ws.frameSchema } : {}),
      ...(flow ? { flow } : {}),
    });
  }
  return verifyHttpProvider({ ...common, providerBaseUrl: running.url });
}
