// Pact files like the ones pact-js writes for a REST API: 10 to 40 HTTP
// interactions each, with provider states, headers, JSON bodies and matching
// rules (about 1 KB an interaction). `seed` makes each file's content unique,
// so no publication is spared storing its content.

const resources = ['orders', 'invoices', 'customers', 'products', 'shipments', 'refunds'];

function interaction(resource: string, index: number, seed: string) {
  const id = `${resource.slice(0, 3)}-${index}-${seed}`;
  const item = (k: number) => ({
    id: `${id}-${k}`,
    title: `${resource} item ${k} of ${index}`,
    status: k % 2 === 0 ? 'open' : 'closed',
    amount: { value: 1000 + k * 17, currency: 'EUR' },
    created_at: '2026-11-02T10:15:00Z',
    tags: ['priority', `batch-${index % 5}`],
  });
  const list = index % 3 === 0;
  return {
    description: `a request for ${list ? 'the list of' : 'one of the'} ${resource} (${id})`,
    providerStates: [
      { name: `${resource} exist for tenant acme`, params: { tenant: 'acme', count: 3 } },
    ],
    request: {
      method: list ? 'GET' : index % 3 === 1 ? 'POST' : 'GET',
      path: list ? `/api/${resource}` : `/api/${resource}/${id}`,
      ...(list ? { query: { limit: ['20'], cursor: [`c-${index}`] } } : {}),
      headers: { Accept: 'application/json', Authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig' },
      ...(index % 3 === 1
        ? { body: { title: `new ${resource} ${index}`, note: 'from bench' } }
        : {}),
    },
    response: {
      status: index % 3 === 1 ? 201 : 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: list ? { items: [item(0), item(1), item(2)], next_cursor: null } : item(0),
    },
    matchingRules: {
      request: {
        header: { Authorization: { matchers: [{ match: 'regex', regex: '^Bearer .+$' }] } },
      },
      response: {
        body: {
          ...(list ? { '$.items': { matchers: [{ match: 'type', min: 1 }] } } : {}),
          [list ? '$.items[*].id' : '$.id']: { matchers: [{ match: 'type' }] },
          [list ? '$.items[*].created_at' : '$.created_at']: {
            matchers: [{ match: 'timestamp', timestamp: "yyyy-MM-dd'T'HH:mm:ssX" }],
          },
        },
      },
    },
  };
}

/** A pact between the two with 10 to 40 interactions (by `seed`), unique to `seed`. */
export function realisticPact(consumer: string, provider: string, seed: number) {
  const count = 10 + ((seed * 7) % 31);
  return {
    consumer: { name: consumer },
    provider: { name: provider },
    interactions: Array.from({ length: count }, (_, index) =>
      interaction(resources[index % resources.length]!, index, String(seed)),
    ),
    metadata: { pactSpecification: { version: '3.0.0' }, pactJs: { version: '16.4.0' } },
  };
}
