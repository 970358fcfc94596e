import { reviewSchemas } from './api-surface.js';
import { consumerImpact, type ChangeImpact, type ReviewedPact } from './consumer-impact.js';
import type { SurfaceOptions } from './exchanges.js';
import { schemaSetOf } from './schema-set.js';

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: ref } } } });

const item = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, price: { type: 'number' } },
};
const newItem = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
const shop = {
  openapi: '3.1.0',
  paths: {
    '/items/{id}': {
      get: { responses: { '200': json('../shop/item.json'), '404': { description: 'none' } } },
    },
    '/items/search': { get: { responses: { '200': json('../shop/item.json') } } },
    '/items': {
      post: {
        requestBody: json('../shop/new-item.json'),
        responses: { '201': json('../shop/item.json') },
      },
    },
  },
};
const frame = (type: string, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  required: ['type'],
  properties: { type: { const: type }, ...extra },
});
const events = {
  asyncapi: '3.0.0',
  operations: {
    receivePing: { action: 'receive', messages: [{ $ref: '#/components/messages/ping' }] },
    sendPong: { action: 'send', messages: [{ $ref: '#/components/messages/pong' }] },
  },
  components: {
    messages: {
      ping: { name: 'ping', payload: frame('ping') },
      pong: { name: 'pong', payload: frame('pong', { at: { type: 'string' } }) },
    },
  },
};
const files = {
  'shop/item.json': item,
  'shop/new-item.json': newItem,
  'openapi/shop.yaml': shop,
  'asyncapi/events.yaml': events,
};

const http = (description: string, request: object, response: object) => ({
  type: 'Synchronous/HTTP',
  description,
  request,
  response,
});
const body = (content: unknown) => ({ content, contentType: 'application/json' });
const pact = (consumer: string, provider: string, interactions: unknown[]): ReviewedPact => ({
  consumer,
  provider,
  source: `pacts/${consumer}-${provider}.json`,
  content: { consumer: { name: consumer }, provider: { name: provider }, interactions },
});

const webApp = pact('web-app', 'shop', [
  http(
    'a request for an item',
    { method: 'GET', path: '/items/1' },
    { status: 200, body: body({ id: '1', name: 'pen' }) },
  ),
  http(
    'a request to add an item',
    { method: 'POST', path: '/items', body: body({ name: 'pen' }) },
    { status: 201 },
  ),
]);
const backOffice = pact('back-office', 'shop', [
  http(
    'a request for an item that does not exist',
    { method: 'GET', path: '/items/9' },
    { status: 404 },
  ),
  http(
    'a search',
    { method: 'GET', path: '/items/search' },
    { status: 200, body: body({ id: '1', name: 'pen', price: 2 }) },
  ),
]);
const watcher = pact('watcher', 'shop-events', [
  {
    type: 'Synchronous/Messages',
    description: 'a ping answered by its pong',
    request: { contents: body({ frames: [{ type: 'ping' }, 'not json'] }) },
    response: [{ contents: body({ frames: [{ type: 'pong', at: 'now' }] }) }],
  },
]);
const providersOf = new Map([
  ['openapi/shop.yaml', ['shop']],
  ['asyncapi/events.yaml', ['shop-events']],
  ['events/server-frame.json', ['shop-events']],
]);

function impactOf(
  changed: Record<string, unknown>,
  pacts = [webApp, backOffice, watcher],
  base: Record<string, unknown> = files,
  surface: SurfaceOptions = {},
) {
  const before = schemaSetOf(base);
  const after = schemaSetOf({ ...base, ...changed });
  return consumerImpact({
    changes: reviewSchemas(before, after, surface),
    before,
    after,
    providersOf,
    pacts,
    surface,
  });
}

describe('consumerImpact', () => {
  it('names the interactions that read a removed response field, and the pacts that do not', () => {
    const [removed] = impactOf({
      'shop/item.json': { ...item, required: ['id'], properties: { id: item.properties.id } },
    }).filter((c) => c.exchange === 'GET /items/{id} 200' && c.kind === 'field-removed');
    expect(removed).toMatchObject({
      path: '/name',
      verdict: 'breaks',
      usedBy: [{ consumer: 'web-app', interaction: 'a request for an item', how: 'reads /name' }],
      notUsedBy: [{ consumer: 'back-office' }],
    });
  });

  it('picks the literal path over a template, so a search reads the search response only', () => {
    const changes = impactOf({
      'shop/item.json': {
        ...item,
        properties: { id: item.properties.id, name: item.properties.name },
      },
    }).filter((c) => c.kind === 'field-removed' && c.path === '/price');
    const usersOf = (exchange: string) =>
      changes.find((c) => c.exchange === exchange)?.usedBy.map((u) => u.interaction);
    expect(usersOf('GET /items/search 200')).toEqual(['a search']);
    expect(usersOf('GET /items/{id} 200')).toEqual([]);
    expect(changes.find((c) => c.exchange === 'GET /items/{id} 200')?.verdict).toBe('unused');
  });

  it('finds the writers that leave out a member now required, not those that send it', () => {
    const required = impactOf({
      'shop/new-item.json': {
        ...newItem,
        required: ['name', 'sku'],
        properties: { ...newItem.properties, sku: { type: 'string' } },
      },
    }).find((c) => c.kind === 'field-now-required');
    expect(required).toMatchObject({
      exchange: 'POST /items request',
      verdict: 'breaks',
      usedBy: [{ consumer: 'web-app', how: 'sends / without sku' }],
    });

    const alreadySent = impactOf({ 'shop/new-item.json': { ...newItem, required: ['name'] } });
    expect(alreadySent).toEqual([]);
  });

  it('names the interactions expecting a status that is removed', () => {
    const withoutNotFound = structuredClone(shop);
    delete (withoutNotFound.paths['/items/{id}'].get.responses as Record<string, unknown>)['404'];
    const [removed] = impactOf({ 'openapi/shop.yaml': withoutNotFound });
    expect(removed).toMatchObject({
      exchange: 'GET /items/{id} 404',
      kind: 'exchange-removed',
      verdict: 'breaks',
      usedBy: [
        {
          consumer: 'back-office',
          how: 'expects 404',
          interaction: 'a request for an item that does not exist',
        },
      ],
      notUsedBy: [{ consumer: 'web-app' }],
    });
  });

  it('tells frames apart by their constant members, and finds who reads a frame field', () => {
    const changed = structuredClone(events);
    changed.components.messages.pong.payload = frame('pong', { at: { type: ['string', 'null'] } });
    const [widened] = impactOf({ 'asyncapi/events.yaml': changed });
    expect(widened).toMatchObject({
      exchange: 'pong',
      kind: 'type-widened',
      verdict: 'breaks',
      usedBy: [
        { consumer: 'watcher', interaction: 'a ping answered by its pong', how: 'reads /at' },
      ],
    });
  });

  it('calls a breaking change of a provider no pact was read for unverified, and a compatible one compatible', () => {
    const changes = impactOf(
      {
        'shop/item.json': {
          ...item,
          properties: { ...item.properties, colour: { type: 'string' } },
          required: ['id'],
        },
      },
      [watcher],
    );
    expect(changes.map((c) => [c.exchange, c.kind, c.verdict])).toEqual(
      expect.arrayContaining([
        ['GET /items/{id} 200', 'field-added', 'compatible'],
        ['GET /items/{id} 200', 'field-now-optional', 'unverified'],
      ]),
    );
    expect(changes.find((c) => c.verdict === 'unverified')).toMatchObject({
      providers: ['shop'],
      usedBy: [],
      notUsedBy: [],
    });
  });

  it('breaks the interactions that receive a frame of a variant removed from the frame schema', () => {
    const withFrames = {
      ...files,
      'events/server-frame.json': {
        oneOf: [events.components.messages.pong.payload, frame('bye')],
      },
    };
    const surface: SurfaceOptions = {
      frameSchemas: [
        {
          file: 'events/server-frame.json',
          direction: 'produced',
          asyncapi: 'asyncapi/events.yaml',
        },
      ],
    };
    const changes = impactOf(
      { 'events/server-frame.json': { oneOf: [frame('bye')] } },
      undefined,
      withFrames,
      surface,
    );
    expect(changes).toMatchObject([
      {
        document: 'events/server-frame.json',
        exchange: 'pong',
        kind: 'exchange-removed',
        verdict: 'breaks',
        providers: ['shop-events'],
        usedBy: [{ consumer: 'watcher', how: 'receives it' }],
      },
    ]);
  });

  it('breaks the interactions that leave out a parameter made required, whichever way the pact writes it', () => {
    const search = (parameters: object[]) => ({
      ...shop,
      paths: {
        ...shop.paths,
        '/items': {
          ...shop.paths['/items'],
          get: { parameters, responses: { '200': json('../shop/item.json') } },
        },
      },
    });
    const query = { name: 'q', in: 'query', schema: { type: 'string' } };
    const tenant = { name: 'X-Tenant', in: 'header', schema: { type: 'string' } };
    const listing = (description: string, request: object) =>
      http(description, { method: 'GET', path: '/items', ...request }, { status: 200 });
    const lister = pact('lister', 'shop', [
      listing('a V2 search', { path: '/items?q=pen' }),
      listing('a V4 search', { query: { q: ['pen'] }, headers: { 'x-tenant': ['a'] } }),
      listing('a listing', { headers: { 'X-TENANT': 'b' } }),
    ]);
    const changes = impactOf(
      {
        'openapi/shop.yaml': search([
          { ...query, required: true },
          { ...tenant, required: true },
        ]),
      },
      [lister, webApp],
      { ...files, 'openapi/shop.yaml': search([query, tenant]) },
    );
    const uses = (c: ChangeImpact) => c.usedBy.map((u) => `${u.interaction}: ${u.how}`);
    expect(changes.map((c) => [c.exchange, c.path, c.verdict, uses(c)])).toEqual([
      ['GET /items query parameters', '/q', 'breaks', ['a listing: leaves out query parameter q']],
      [
        'GET /items header parameters',
        '/x-tenant',
        'breaks',
        ['a V2 search: leaves out header parameter x-tenant'],
      ],
    ]);
    expect(changes[0]?.notUsedBy).toEqual([{ consumer: 'web-app' }]);
  });

  it('matches paths under the base path of the servers', () => {
    const served = {
      ...files,
      'openapi/shop.yaml': { ...shop, servers: [{ url: 'https://shop.example/v1' }] },
    };
    const v1 = pact('v1-app', 'shop', [
      http(
        'a request for an item',
        { method: 'GET', path: '/v1/items/1' },
        { status: 200, body: body({ id: '1', name: 'pen' }) },
      ),
    ]);
    const [removed] = impactOf(
      { 'shop/item.json': { ...item, required: ['id'], properties: { id: item.properties.id } } },
      [v1],
      served,
    ).filter((c) => c.exchange === 'GET /items/{id} 200' && c.kind === 'field-removed');
    expect(removed).toMatchObject({
      path: '/name',
      verdict: 'breaks',
      usedBy: [{ consumer: 'v1-app' }],
    });
  });

  it('judges a request body change by the interactions whose request must be accepted, not those expecting it refused', () => {
    const adder = pact('adder', 'shop', [
      http(
        'an item added',
        { method: 'POST', path: '/items', body: body({ name: 'pen' }) },
        { status: 201 },
      ),
      http(
        'an item without a name refused',
        { method: 'POST', path: '/items', body: body({}) },
        { status: 422 },
      ),
    ]);
    const [required] = impactOf(
      {
        'shop/new-item.json': {
          ...newItem,
          required: ['name', 'sku'],
          properties: { ...newItem.properties, sku: { type: 'string' } },
        },
      },
      [adder],
    );
    expect(required?.usedBy.map((u) => u.interaction)).toEqual(['an item added']);
  });

  it('finds the consumers of a status in the range that now answers it', () => {
    const ranged = structuredClone(shop);
    const responses = ranged.paths['/items/{id}'].get.responses as Record<string, unknown>;
    responses['2XX'] = json('../shop/new-item.json');
    delete responses['200'];
    const changes = impactOf({ 'openapi/shop.yaml': ranged }, [webApp]);
    expect(changes.map((c) => [c.exchange, c.path, c.kind, c.verdict])).toEqual([
      ['GET /items/{id} 2XX', '/id', 'field-removed', 'breaks'],
      ['GET /items/{id} 2XX', '/price', 'field-removed', 'unused'],
    ]);
  });
});
