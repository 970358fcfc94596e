// Provider states as meshpact sets them up: each provider contributes named
// states built on its own store, and the states of one interaction share a
// StateContext, so "alice has a thread" can find the alice an earlier state
// signed in, and everything an interaction left behind is removed after it.

export type StateParams = Record<string, unknown>;

/** What a state hands back: Pact injects it where a contract says fromProviderState. */
export type StateValues = Record<string, unknown>;

export interface ProviderState {
  setup(params: StateParams, context: StateContext): Promise<StateValues | void>;
}

/** The states one provider module knows, and how it undoes what an interaction left behind. */
export interface StateModule {
  states: Record<string, ProviderState>;
  /** Runs after each interaction, newest module first. */
  reset(context: StateContext): Promise<void>;
}

/** An account a state created or signed in during the current interaction. */
export interface Account {
  email: string;
  userId?: string;
  tenantId?: string;
}

export class StateError extends Error {
  override name = 'StateError';
}

/**
 * What the states of the interaction being verified have established. The
 * verifier checks interactions one at a time, so one context serves them all
 * and is cleared between them.
 */
export class StateContext {
  /** Everything the states handed back so far (message producers read it too). */
  values: StateValues = {};
  /** Accounts to remove after the interaction, by lower-cased email. */
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

/** Verifier-ready handlers: setup by name, unknown names and failures recorded, not swallowed. */
export interface PreparedStates {
  context: StateContext;
  names: string[];
  setup(name: string, params: StateParams): Promise<StateValues | undefined>;
  /** After each interaction: every module's reset, then a clean context. */
  reset(): Promise<void>;
  /** Setups that failed or named an unknown state, in the order they happened. */
  readonly problems: string[];
}

export function prepareStates(modules: StateModule[]): PreparedStates {
  const context = new StateContext();
  const states = new Map<string, ProviderState>();
  for (const module of modules) {
    for (const [name, state] of Object.entries(module.states)) {
      if (states.has(name)) throw new Error(`provider state "${name}" is defined twice`);
      states.set(name, state);
    }
  }
  const problems: string[] = [];
  return {
    context,
    names: [...states.keys()],
    problems,
    async setup(name, params) {
      // The verifier asks for the empty state before an interaction that has none.
      if (name === '') return undefined;
      const state = states.get(name);
      if (!state) {
        problems.push(
          `no provider state is named "${name}" (known: ${[...states.keys()].join(', ')})`,
        );
        return undefined;
      }
      try {
        const values = (await state.setup(params, context)) ?? {};
        context.values = { ...context.values, ...values };
        return values;
      } catch (error) {
        problems.push(`provider state "${name}" failed: ${(error as Error).message}`);
        return undefined;
      }
    },
    async reset() {
      try {
        for (const module of [...modules].reverse()) await module.reset(context);
      } catch (error) {
        problems.push(`resetting after an interaction failed: ${(error as Error).message}`);
      } finally {
        context.clear();
      }
    },
  };
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

/**
 * One JSON call a state makes to the running service it sets up; anything but
 * 2xx fails the state with what the service answered.
 */
export async function callService<T = unknown>(
  state: string,
  baseUrl: string,
  request: { method: string; path: string; token?: string; body?: unknown },
): Promise<T> {
  const { method, path, token, body } = request;
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok)
    throw new StateError(`"${state}": ${method} ${path} answered ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
