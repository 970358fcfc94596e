import { packageRoot } from '../runtime/paths.js';
import { exchangesOf, reviewSchemas } from './api-surface.js';
import { schemaSetOf, schemasInTree } from './schema-set.js';

const item = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
};
const api = (paths: Record<string, unknown>) => ({ openapi: '3.1.0', paths });
const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: ref } } } });

describe('exchangesOf', () => {
  it("reads every request, response, client frame and server frame of the repository's documents", () => {
    const names = exchangesOf(schemasInTree(packageRoot())).map(
      (e) => `${e.document} ${e.name} ${e.direction}`,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        'openapi/backend.yaml POST /api/threads request accepted',
        'openapi/backend.yaml POST /api/threads 201 produced',
        'openapi/auth.yaml POST /auth/login 401 produced',
        'asyncapi/events.yaml start_run accepted',
        'asyncapi/events.yaml run_accepted produced',
        'asyncapi/events.yaml agent_completed produced',
      ]),
    );
  });

  it('finds no change between the repository and itself', () => {
    const tree = schemasInTree(packageRoot());
    expect(reviewSchemas(tree, tree)).toEqual([]);
  });
});

describe('reviewSchemas', () => {
  const before = schemaSetOf({
    'shop/item.json': item,
    'shop/item-request.json': { type: 'object', properties: { name: { type: 'string' } } },
    'openapi/shop.yaml': api({
      '/items/{id}': {
        get: { responses: { '200': json('../shop/item.json'), '404': { description: 'none' } } },
      },
      '/items': {
        post: {
          requestBody: json('../shop/item-request.json'),
          responses: { '201': json('../shop/item.json') },
        },
      },
    }),
  });

  it('judges a schema shared by a request and a response in each direction, and a removed status as breaking', () => {
    const after = schemaSetOf({
      'shop/item.json': { ...item, required: ['id'] },
      'shop/item-request.json': {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' } },
      },
      'openapi/shop.yaml': api({
        '/items/{id}': { get: { responses: { '200': json('../shop/item.json') } } },
        '/items': {
          post: {
            requestBody: json('../shop/item-request.json'),
            responses: { '201': json('../shop/item.json') },
          },
          get: { responses: { '200': { description: 'all' } } },
        },
      }),
    });
    expect(
      reviewSchemas(before, after).map(
        (c) => `${c.exchange} ${c.path} ${c.kind} ${c.breaking ? 'breaking' : 'safe'}`,
      ),
    ).toEqual([
      'GET /items/{id} 200 /name field-now-optional breaking',
      'GET /items/{id} 404 / exchange-removed breaking',
      'POST /items request /name field-now-required breaking',
      'POST /items 201 /name field-now-optional breaking',
      'GET /items 200 / exchange-added safe',
    ]);
  });

  it('lists the changes of a schema no API document exchanges, breaking if either direction would', () => {
    const internal = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    };
    const withInternal = (schema: unknown, extra: Record<string, unknown> = {}) =>
      schemaSetOf({ ...Object.fromEntries(before), 'shop/internal.json': schema, ...extra });
    const changes = reviewSchemas(
      withInternal(internal),
      withInternal(
        { ...internal, required: ['a'], properties: { a: { type: ['string', 'null'] } } },
        { 'shop/new.json': { type: 'string' } },
      ),
    ).map(
      (c) => `${c.document} ${c.exchange} ${c.path} ${c.kind} ${c.breaking ? 'breaking' : 'safe'}`,
    );
    expect(changes).toEqual([
      'shop/internal.json no API document /a field-now-required breaking',
      'shop/internal.json no API document /a type-widened breaking',
      'shop/internal.json no API document /b field-removed breaking',
      'shop/new.json no API document / exchange-added safe',
    ]);
  });
});
