import type { VerificationReport } from './results.js';
import { statesAt } from './states.js';
import { verifyWithPact, type PactSource } from './verifier.js';

export interface HttpVerificationOptions {
  provider: string;
  /** Where the verifier sends each request: the real running service. */
  providerBaseUrl: string;
  source: PactSource;
  consumers: string[];
  /** Where the provider serves its states (POST {state, params, action}); none without one. */
  statesUrl?: string;
}

/**
 * Verifies an HTTP provider with Pact's own verifier: each interaction's states
 * are set up by the provider at its state URL (tokens are minted by the real
 * auth-service and reach the request through the contract's fromProviderState
 * values), the request is replayed against the service, and the states are
 * torn down before the next interaction.
 */
export function verifyHttpProvider(options: HttpVerificationOptions): Promise<VerificationReport> {
  const { statesUrl, ...rest } = options;
  return verifyWithPact({ ...rest, states: statesAt(options.provider, statesUrl) });
}
