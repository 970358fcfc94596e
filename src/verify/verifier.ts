import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { keepEmptyJsonBodies } from './empty-json-body.js';
import { answerProxyErrors } from './proxy-errors.js';
import { parseVerifierJson, type VerificationReport } from './results.js';
import type { ProviderStates, StateParams } from './states.js';

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
      /** The provider's branch: `matchingBranch` selectors, pending and WIP pacts depend on it, and published results carry it. */
      providerVersionBranch?: string;
      /** Set to publish results: the provider's version (a git sha). */
      publish?: { providerVersion: string };
    };

export interface VerifyOptions {
  provider: string;
  /** The real running service; for a provider of messages only, omit it. */
  providerBaseUrl?: string;
  source: PactSource;
  consumers: string[];
  /** The provider's states, reached at its state URL (states.ts). */
  states: ProviderStates;
  /** How long the verifier waits for one request or message (Pact's default is 30 s). */
  requestTimeoutMs?: number;
  /** For message pacts: each interaction's description, and how to produce its message. */
  messages?: {
    descriptions: Iterable<string>;
    /** `sent` is the interaction's request message as Pact's verifier hands it over, if it has one. */
    produce: (description: string, sent: unknown) => Promise<unknown>;
  };
}

/** Names pact-js (or a serialiser) may look up on any object; never a state's name. */
const objectProtocol = new Set(['toJSON', 'then', 'constructor', 'valueOf', 'toString']);

export async function verifyWithPact(options: VerifyOptions): Promise<VerificationReport> {
  const { states, messages } = options;
  // Every state name gets a handler that forwards it to the provider's state
  // URL, so an unknown one is reported rather than skipped with a warning, and
  // failures are recorded here, since pact-js would log them and answer the
  // verifier as if the state had been set up. (pact-js's providerStatesSetupUrl
  // would send them straight to the provider, but then no values would reach
  // the message producers, and no failure the report.)
  const stateHandlers = new Proxy(
    {},
    {
      get: (_target, name) =>
        typeof name === 'string' && !objectProtocol.has(name)
          ? {
              setup: (params: unknown) => states.setup(name, (params ?? {}) as StateParams),
              teardown: (params: unknown) => states.teardown(name, (params ?? {}) as StateParams),
            }
          : undefined,
    },
  );
  const messageProviders = messages
    ? Object.fromEntries(
        [...messages.descriptions].map((description) => [
          description,
          (descriptor: unknown) =>
            messages.produce(description, (descriptor as { content?: unknown } | null)?.content),
        ]),
      )
    : undefined;
  const verifierOptions: VerifierOptions = {
    provider: options.provider,
    ...(options.providerBaseUrl ? { providerBaseUrl: options.providerBaseUrl } : {}),
    logLevel: 'error',
    ...(options.requestTimeoutMs ? { timeout: options.requestTimeoutMs } : {}),
    stateHandlers,
    beforeEach: () => Promise.resolve(states.begin()),
    requestFilter: keepEmptyJsonBodies,
    ...(messageProviders ? { messageProviders } : {}),
    ...sourceOptions(options.source),
  };
  // Before the Verifier makes its proxy: a ProxyServer takes its onError as it is constructed.
  answerProxyErrors();
  let json: string;
  try {
    json = String(await new Verifier(verifierOptions).verifyProvider());
  } catch (error) {
    json = (error as Error).message;
    if (!json.startsWith('{')) throw error;
  }
  const report = parseVerifierJson(options.provider, json, options.consumers);
  const problems = [...states.problems];
  return { ...report, problems, success: report.success && problems.length === 0 };
}

function sourceOptions(source: PactSource): Partial<VerifierOptions> {
  if ('files' in source) return { pactUrls: source.files };
  return {
    pactBrokerUrl: source.brokerUrl,
    ...(source.token ? { pactBrokerToken: source.token } : {}),
    consumerVersionSelectors: source.consumerVersionSelectors,
    enablePending: source.enablePending ?? true,
    ...(source.includeWipPactsSince ? { includeWipPactsSince: source.includeWipPactsSince } : {}),
    ...(source.providerVersionBranch
      ? { providerVersionBranch: source.providerVersionBranch }
      : {}),
    ...(source.publish
      ? { publishVerificationResult: true, providerVersion: source.publish.providerVersion }
      : {}),
  };
}
