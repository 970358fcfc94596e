// Provider states as the verifier reaches them: over HTTP, at the state URL
// the provider serves (contracts/mesh.yaml's `states: { url }`), with Pact's
// own state-change protocol. Each setup and teardown Pact's verifier asks for
// is forwarded as `{state, params, action}`; what a setup hands back is both
// injected by Pact (fromProviderState) and kept for the interaction's message
// producer (the socket driver connects with the token a state minted).

import { fetchFailure } from '../runtime/fetch-failure.js';

export type StateParams = Record<string, unknown>;

/** What a state hands back: Pact injects it where a contract says fromProviderState. */
export type StateValues = Record<string, unknown>;

/** Verifier-ready states: unknown names and failures recorded, not swallowed as Pact would. */
export interface ProviderStates {
  /** What the setups of the interaction being verified handed back so far. */
  readonly values: StateValues;
  setup(name: string, params: StateParams): Promise<StateValues | undefined>;
  teardown(name: string, params: StateParams): Promise<void>;
  /** Before each interaction: forgets the values of the one before. */
  begin(): void;
  /** Setups and teardowns that failed or named an unknown state, in the order they happened. */
  readonly problems: string[];
}

export interface StateClientOptions {
  /** How long one setup or teardown may take; a completed run is set up by running it. */
  timeoutMs?: number;
}

/**
 * The states a provider serves at `url`. Without a URL, every state an
 * interaction names is a problem: the provider serves none.
 */
export function statesAt(
  provider: string,
  url: string | undefined,
  options: StateClientOptions = {},
): ProviderStates {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const problems: string[] = [];
  let values: StateValues = {};

  const change = async (
    name: string,
    params: StateParams,
    action: 'setup' | 'teardown',
  ): Promise<StateValues> => {
    if (!url)
      throw new Error(`${provider} serves no provider states (no states: { url } in the manifest)`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ state: name, params, action }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : fetchFailure(error);
      throw new Error(`POST ${url}: ${reason}`);
    }
    const text = await response.text();
    const body = parse(text);
    if (!response.ok) throw new StateAnswerError(response.status, body, text);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new Error(`POST ${url} answered ${response.status} with no JSON object: ${text}`);
    return body as StateValues;
  };

  return {
    get values() {
      return values;
    },
    problems,
    begin() {
      values = {};
    },
    async setup(name, params) {
      // The verifier asks for the empty state before an interaction that has none.
      if (name === '') return undefined;
      try {
        const handed = await change(name, params, 'setup');
        values = { ...values, ...handed };
        return handed;
      } catch (error) {
        problems.push(
          error instanceof StateAnswerError && error.code === 'provider_state_unknown'
            ? error.message
            : `provider state "${name}" failed: ${(error as Error).message}`,
        );
        return undefined;
      }
    },
    async teardown(name, params) {
      values = {};
      if (name === '' || !url) return;
      try {
        await change(name, params, 'teardown');
      } catch (error) {
        problems.push(`tearing down provider state "${name}" failed: ${(error as Error).message}`);
      }
    },
  };
}

/** A value a state handed back, or a clear error naming the interaction that needs it. */
export function need<T>(values: StateValues, key: string, description: string): T {
  if (!(key in values))
    throw new Error(
      `"${description}" needs ${key}, which no provider state of the interaction handed back`,
    );
  return values[key] as T;
}

/** A 4xx or 5xx from the state URL: the problem's detail when it sent one. */
class StateAnswerError extends Error {
  readonly code: unknown;

  constructor(status: number, body: unknown, text: string) {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    super(typeof problem.detail === 'string' ? problem.detail : `answered ${status} ${text}`);
    this.code = problem.code;
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
