import type { Express, RequestHandler } from 'express';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { jsonBody } from '../../src/http/json-body.js';
import { methodNotAllowed } from '../../src/http/problems.js';
import { validBody } from '../../src/http/schema-io.js';
import type { ProviderStateChange } from '../../src/schemas/types.generated.js';
import {
  StateContext,
  StateError,
  type ProviderState,
  type StateModule,
  type StateValues,
} from './provider-states.js';

/** Where a service serves its provider states, as contracts/mesh.yaml's `states: { url }` names it. */
export const PROVIDER_STATES_PATH = '/_pact/provider-states';

const BODY_LIMIT = 64 * 1024;

/**
 * Serves `modules`' states with Pact's state-change protocol: the verifier
 * POSTs `{state, params, action}` for each state of an interaction. `setup`
 * answers 200 with the values Pact injects through fromProviderState (`{}`
 * when a state hands back none); an unknown state is 400
 * provider_state_unknown naming the known ones; a state that cannot be set up
 * with its params is 422 provider_state_failed. `teardown` (sent for each
 * state once the interaction is verified) undoes everything the interaction's
 * setups created, newest module first, whichever state it names; the ones
 * after the first find nothing left to undo.
 *
 * One context per service: Pact verifies one interaction at a time.
 */
export function providerStatesRoutes(app: Express, modules: StateModule[]): void {
  const states = new Map<string, ProviderState>();
  for (const module of modules) {
    for (const [name, state] of Object.entries(module.states)) {
      if (states.has(name)) throw new Error(`provider state "${name}" is defined twice`);
      states.set(name, state);
    }
  }
  const context = new StateContext();

  const setup = async (name: string, params: Record<string, unknown>): Promise<StateValues> => {
    // Pact's verifier names the empty state for an interaction that has none.
    if (name === '') return {};
    const state = states.get(name);
    if (!state)
      throw new MeshpactError(
        'provider_state_unknown',
        `no provider state is named "${name}" (known: ${[...states.keys()].join(', ')})`,
        { extensions: { state: name, known: [...states.keys()] } },
      );
    try {
      const values = (await state.setup(params, context)) ?? {};
      context.values = { ...context.values, ...values };
      return values;
    } catch (error) {
      throw asStateFailure(error, name);
    }
  };

  const teardown = async (name: string) => {
    try {
      for (const module of [...modules].reverse()) await module.reset(context);
    } catch (error) {
      throw asStateFailure(error, name);
    } finally {
      context.clear();
    }
  };

  const change: RequestHandler = async (req, res) => {
    const { state, params, action } = req.body as ProviderStateChange;
    if (action === 'teardown') await teardown(state);
    res.status(200).json(action === 'teardown' ? {} : await setup(state, params ?? {}));
  };

  app
    .route(PROVIDER_STATES_PATH)
    .post(...jsonBody({ limit: BODY_LIMIT }), validBody('pact/provider-state-change'), change)
    .all(methodNotAllowed('POST'));
}

/** A state that could not be set up or torn down is the state's failure (422), said in its words. */
function asStateFailure(error: unknown, state: string): unknown {
  if (!(error instanceof StateError)) return error;
  return new MeshpactError('provider_state_failed', error.message, { extensions: { state } });
}
