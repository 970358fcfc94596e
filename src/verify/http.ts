import type { VerificationReport } from './results.js';
import { prepareStates, type StateModule } from './states.js';
import { verifyWithPact, type PactSource } from './verifier.js';

export interface HttpVerificationOptions {
  provider: string;
  /** Where the verifier sends each request: the real running service. */
  providerBaseUrl: string;
  source: PactSource;
  consumers: string[];
  states: StateModule[];
}

/**
 * Verifies an HTTP provider with Pact's own verifier: each interaction's states
 * are set up through the provider's store and its real service (tokens are
 * minted by the real auth-service and reach the request through the contract's
 * fromProviderState values), the request is replayed against the service, and
 * what the service left behind is removed before the next interaction.
 */
export function verifyHttpProvider(options: HttpVerificationOptions): Promise<VerificationReport> {
  return verifyWithPact({ ...options, states: prepareStates(options.states) });
}
