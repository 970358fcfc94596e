// Provider states as a service sets them up for verification: each state is
// built on the service's own store, and the states of one interaction share a
// StateContext, so "alice has a thread" can find the alice an earlier state
// signed in, and a teardown can remove everything the interaction left behind.

import { fetchFailure } from '../../src/runtime/fetch-failure.js';

export type StateParams = Record<string, unknown>;

/** What a state hands back: Pact injects it where a contract says fromProviderState. */
export type StateValues = Record<string, unknown>;

export interface ProviderState {
  setup(params: StateParams, context: StateContext): Promise<StateValues | void>;
}

/** The states one module knows, and how it undoes what an interaction left behind. */
export interface StateModule {
  states: Record<string, ProviderState>;
  /** Runs on teardown, newest module first. */
  reset(context: StateContext): Promise<void>;
}

/** An account a state created or signed in during the current interaction. */
export interface Account {
  email: string;
  userId?: string;
  tenantId?: string;
}

/** A state that cannot be set up with what it was given: the caller's mistake, answered 422. */
export class StateError extends Error {
  override name = 'StateError';
  /** The status a service answered, when the state failed because of its answer. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number } = {}) {
    super(message);
    this.status = options.status;
  }
}

/**
 * What the states of the interaction being verified have established. Pact's
 * verifier checks interactions one at a time, so one context serves them all
 * and is cleared on teardown.
 */
export class StateContext {
  /** Everything the states handed back so far. */
  values: StateValues = {};
  /** Accounts to remove on teardown, by lower-cased email. */
  readonly accounts = new Map<string, Account>();
  #signedIn: Account | undefined;

  /** The account a state signed in: "alice" in the states that follow it. */
  signedIn(state: string): Required<Account> {
    const account = this.#signedIn;
    if (!account?.userId || !account.tenantId)
      throw new StateError(
        `"${state}" needs a signed-in user: give the interaction a "user … exists" or "user … is logged in" state before it`,
      );
    return account as Required<Account>;
  }

  track(account: Account, options: { signIn?: boolean } = {}): void {
    const key = account.email.toLowerCase();
    const merged = { ...this.accounts.get(key), ...account };
    this.accounts.set(key, merged);
    if (options.signIn) this.#signedIn = merged;
  }

  /** A value an earlier state handed back, or a clear error naming the state that needs it. */
  need<T>(key: string, state: string): T {
    if (!(key in this.values))
      throw new StateError(
        `"${state}" needs ${key}, which no earlier state of the interaction set`,
      );
    return this.values[key] as T;
  }

  clear(): void {
    this.values = {};
    this.accounts.clear();
    this.#signedIn = undefined;
  }
}

/** Reads the parameters a state needs, failing with the state's name and the parameter's. */
export const param = {
  string(state: string, params: StateParams, name: string): string {
    const value = params[name];
    if (typeof value !== 'string' || value === '')
      throw new StateError(`"${state}" needs the parameter ${name} (a string)`);
    return value;
  },
  strings(state: string, params: StateParams, name: string): string[] {
    const value = params[name];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
      throw new StateError(`"${state}" needs the parameter ${name} (an array of strings)`);
    return value;
  },
};

/** A state's call to a service that hangs fails the state instead of the whole verification. */
const SERVICE_CALL_TIMEOUT_MS = 10_000;

/**
 * One JSON call a state makes to a running service (its own, or one it
 * depends on); anything but 2xx, or no answer, fails the state with what
 * happened.
 */
export async function callService<T = unknown>(
  state: string,
  baseUrl: string,
  request: { method: string; path: string; token?: string; body?: unknown },
): Promise<T> {
  const { method, path, token, body } = request;
  const url = new URL(path, baseUrl);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(SERVICE_CALL_TIMEOUT_MS),
    });
  } catch (error) {
    throw new StateError(`"${state}": ${method} ${url.href} got no answer: ${fetchFailure(error)}`);
  }
  const text = await response.text();
  if (!response.ok)
    throw new StateError(`"${state}": ${method} ${path} answered ${response.status} ${text}`, {
      status: response.status,
    });
  return (text ? JSON.parse(text) : undefined) as T;
}
