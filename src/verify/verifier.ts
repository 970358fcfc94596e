import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { parseVerifierJson, type VerificationReport } from './results.js';

// The one seam between meshpact and Pact's provider verifier (the Rust core
// through pact-js): everything else speaks VerificationReport.

/** Where the pacts come from: local files, or a broker (the same code path after this point). */
export type PactSource =
  | { files: string[] }
  | {
      brokerUrl: string;
      token?: string;
      consumerVersionSelectors: NonNullable<VerifierOptions['consumerVersionSelectors']>;
      enablePending?: boolean;
      includeWipPactsSince?: string;
      /** Set to publish results: the provider's version (a git sha) and branch. */
      publish?: { providerVersion: string; providerVersionBranch?: string };
    };

/** Sets up a provider state; what it returns is injected into the interaction (fromProviderState). */
export type StateSetup = (
  params: Record<string, unknown>,
) => Promise<Record<string, unknown> | void>;

export interface VerifyOptions {
  provider: string;
  /** The real running service (for a message provider: unused by messages, but the verifier needs one). */
  providerBaseUrl: string;
  source: PactSource;
  consumers: string[];
  states: Record<string, { setup: StateSetup; teardown?: () => Promise<void> }>;
  /** Adds headers to each request before it reaches the provider, e.g. a real token. */
  headers?: () => Record<string, string>;
  /** For message pacts: the interaction description to a function producing the message. */
  messages?: Record<string, () => Promise<unknown>>;
}

export async function verifyWithPact(options: VerifyOptions): Promise<VerificationReport> {
  const stateHandlers = Object.fromEntries(
    Object.entries(options.states).map(([name, state]) => [
      name,
      {
        setup: async (params: unknown) =>
          (await state.setup((params ?? {}) as Record<string, unknown>)) ?? undefined,
        ...(state.teardown ? { teardown: state.teardown } : {}),
      },
    ]),
  );
  const verifierOptions: VerifierOptions = {
    provider: options.provider,
    providerBaseUrl: options.providerBaseUrl,
    logLevel: 'error',
    stateHandlers: stateHandlers as VerifierOptions['stateHandlers'],
    ...(options.messages ? { messageProviders: options.messages } : {}),
    ...(options.headers
      ? {
          requestFilter: (req, _res, next) => {
            for (const [name, value] of Object.entries(options.headers?.() ?? {}))
              req.headers[name.toLowerCase()] = value;
            next();
          },
        }
      : {}),
    ...sourceOptions(options.source),
  };
  let json: string;
  try {
    json = String(await new Verifier(verifierOptions).verifyProvider());
  } catch (error) {
    json = (error as Error).message;
    if (!json.startsWith('{')) throw error;
  }
  return parseVerifierJson(options.provider, json, options.consumers);
}

function sourceOptions(source: PactSource): Partial<VerifierOptions> {
  if ('files' in source) return { pactUrls: source.files };
  return {
    pactBrokerUrl: source.brokerUrl,
    ...(source.token ? { pactBrokerToken: source.token } : {}),
    consumerVersionSelectors: source.consumerVersionSelectors,
    enablePending: source.enablePending ?? true,
    ...(source.includeWipPactsSince ? { includeWipPactsSince: source.includeWipPactsSince } : {}),
    ...(source.publish
      ? {
          publishVerificationResult: true,
          providerVersion: source.publish.providerVersion,
          ...(source.publish.providerVersionBranch
            ? { providerVersionBranch: source.publish.providerVersionBranch }
            : {}),
        }
      : {}),
  };
}
