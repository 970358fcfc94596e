import { reviewSchemas } from './api-surface.js';
import { consumerImpact, type ReviewedPact } from './consumer-impact.js';
import { interactionsOf, statusKeyFor, templateFor, valuesAt } from './pact-usage.js';
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
]);

function impactOf(changed: Record<string, unknown>, pacts = [webApp, backOffice, watcher]) {
  const before = schemaSetOf(files);
  const after = schemaSetOf({ ...files, ...changed });
  return consumerImpact({
    changes: reviewSchemas(before, after),
    before,
    after,
    providersOf,
    pacts,
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

  it('calls a breaking change of a provider without pacts unused, and a compatible one compatible', () => {
    const changes = impactOf(
      {
        'shop/item.json': {
          ...item,
          properties: { ...item.properties, colour: { type: 'string' } },
          required: ['id'],
        },
      },
      [],
    );
    expect(changes.map((c) => [c.exchange, c.kind, c.verdict])).toEqual(
      expect.arrayContaining([
        ['GET /items/{id} 200', 'field-added', 'compatible'],
        ['GET /items/{id} 200', 'field-now-optional', 'unused'],
      ]),
    );
  });
});

describe('reading pacts', () => {
  it('reads V3 HTTP bodies as they are, and V3 message pacts as messages received', () => {
    const [request] = interactionsOf({
      interactions: [
        {
          description: 'v3',
          request: { method: 'get', path: '/x', body: { a: 1 } },
          response: { status: 201, body: { b: 2 } },
        },
      ],
    });
    expect(request?.http).toEqual({
      method: 'GET',
      path: '/x',
      status: 201,
      requestBody: { a: 1 },
      responseBody: { b: 2 },
    });
    const [message] = interactionsOf({
      messages: [{ description: 'm', contents: { type: 'pong' } }],
    });
    expect(message?.received).toEqual([{ type: 'pong' }]);
  });

  it('decodes a base64 JSON body and leaves out one that is not JSON', () => {
    const encoded = (text: string) => ({
      content: Buffer.from(text).toString('base64'),
      contentType: 'application/json',
      encoded: 'base64',
    });
    const [good, bad] = interactionsOf({
      interactions: [
        http('good', { method: 'POST', path: '/', body: encoded('{"a":1}') }, { status: 200 }),
        http('bad', { method: 'POST', path: '/', body: encoded('{') }, { status: 200 }),
      ],
    });
    expect(good?.http?.requestBody).toEqual({ a: 1 });
    expect(bad?.http?.requestBody).toBeUndefined();
  });

  it('matches paths to templates and statuses to response keys', () => {
    expect(templateFor(['/a/{id}', '/a/b'], '/a/b?x=1')).toBe('/a/b');
    expect(templateFor(['/a/{id}'], '/a/b/c')).toBeUndefined();
    expect(statusKeyFor(['200', '4XX', 'default'], 404)).toBe('4XX');
    expect(statusKeyFor(['200', 'default'], 500)).toBe('default');
    expect(statusKeyFor(['200'], 500)).toBeUndefined();
  });

  it('finds values through arrays, maps and escaped member names', () => {
    const doc = { items: [{ 'a/b': 1 }, { c: 2 }], map: { x: { y: 1 } } };
    expect(valuesAt(doc, '/items/[]/a~1b')).toEqual([1]);
    expect(valuesAt(doc, '/map/*/y')).toEqual([1]);
    expect(valuesAt(doc, '/nope')).toEqual([]);
    expect(valuesAt(doc, '/')).toEqual([doc]);
  });
});
