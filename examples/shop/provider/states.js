// Provider states, served at POST /_pact/provider-states with Pact's own
// state-change protocol, only when the service runs for verification
// (SHOP_PROVIDER_STATES=on). The body is {state, params, action}; a setup
// answers with a JSON object whose values the contract reads back with
// fromProviderState, e.g. "Bearer ${token}" or "/products/${product_id}".

export const states = {
  'the catalogue has products': (store, { products }) => {
    store.replaceCatalogue(products);
    return {};
  },

  'a product exists': (store, { name = 'Teapot', price_cents = 2400 }) => {
    const product = store.addProduct({ name, price_cents });
    return { product_id: product.id };
  },

  'a customer is logged in': (store, { name = 'Ada' }) => {
    return { token: store.logIn(name) };
  },

  'a customer has placed an order': (store, { name = 'Ada' }) => {
    const token = store.logIn(name);
    const product = store.addProduct({ name: 'Teapot', price_cents: 2400 });
    const order = store.placeOrder(store.customerFor(token), [
      { product_id: product.id, quantity: 1 },
    ]);
    return { token, order_id: order.id };
  },
};

/**
 * Answers one state-change request: 200 with the state's values on setup,
 * 200 {} for the empty state Pact sends around an interaction without one,
 * 200 {} on teardown (every state here only adds data, so there is nothing
 * to undo), 400 naming the states it knows for a state it does not.
 */
export function changeState(store, { state, params = {}, action = 'setup' } = {}) {
  if (typeof state !== 'string') return { status: 400, body: { error: 'no "state" in the body' } };
  // Pact calls with state "" around an interaction that has no provider state.
  if (state === '') return { status: 200, body: {} };
  const setUp = states[state];
  if (!setUp) {
    const known = Object.keys(states)
      .map((name) => `"${name}"`)
      .join(', ');
    return { status: 400, body: { error: `unknown provider state "${state}"; known: ${known}` } };
  }
  if (action === 'teardown') return { status: 200, body: {} };
  if (action !== 'setup') {
    return { status: 400, body: { error: `action must be setup or teardown, not "${action}"` } };
  }
  return { status: 200, body: setUp(store, params) };
}
