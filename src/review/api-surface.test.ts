import { MeshpactError } from '../errors/meshpact-error.js';
import { packageRoot } from '../runtime/paths.js';
import { reviewSchemas } from './api-surface.js';
import { apiSurface } from './exchanges.js';
import { schemaSetOf, schemasInTree } from './schema-set.js';

const item = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
};
const api = (paths: Record<string, unknown>) => ({ openapi: '3.1.0', paths });
const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: ref } } } });

describe('apiSurface', () => {
  it("reads every request, response, client frame and server frame of the repository's documents", () => {
    const names = apiSurface(schemasInTree(packageRoot())).exchanges.map(
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

describe('reviewSchemas, what it reads of OpenAPI', () => {
  const summary = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    reviewSchemas(schemaSetOf(before), schemaSetOf(after)).map(
      (c) => `${c.exchange} ${c.path} ${c.kind} ${c.breaking ? 'breaking' : 'safe'}`,
    );
  const withItem = (files: Record<string, unknown>) => ({ 'shop/item.json': item, ...files });

  it('reads any JSON media type, with parameters, else the first media type with a schema', () => {
    const shopWith = (schema: unknown) =>
      api({
        '/items/{id}': {
          get: {
            responses: {
              '200': { content: { 'application/vnd.shop+json; charset=utf-8': { schema } } },
              '400': {
                content: {
                  'text/plain': { schema },
                  'application/problem+json;charset=utf-8': { schema: { type: 'object' } },
                },
              },
              '415': { content: { 'text/csv': { schema } } },
            },
          },
        },
      });
    expect(
      summary(
        { 'openapi/shop.yaml': shopWith({ type: 'string' }) },
        { 'openapi/shop.yaml': shopWith({ type: ['string', 'null'] }) },
      ),
    ).toEqual([
      'GET /items/{id} 200 / type-widened breaking',
      'GET /items/{id} 415 / type-widened breaking',
    ]);
  });

  it('compares the parameters of each place: made required, removed, through $refs, the operation overriding its path', () => {
    const shopWith = (limit: object, extra: object[] = []) => ({
      ...api({
        '/runs/{run_id}/events': {
          parameters: [{ $ref: '#/components/parameters/RunId' }, { name: 'limit', in: 'query' }],
          get: {
            parameters: [
              { name: 'limit', in: 'query', schema: { type: 'integer' }, ...limit },
              { name: 'after_seq', in: 'query', schema: { type: 'integer' } },
              ...extra,
            ],
            responses: { '200': { description: 'events' } },
          },
        },
      }),
      components: {
        parameters: {
          RunId: { name: 'run_id', in: 'path', required: true, schema: { type: 'string' } },
        },
      },
    });
    expect(
      summary(
        { 'openapi/runs.yaml': shopWith({}, [{ name: 'X-Trace', in: 'header' }]) },
        {
          'openapi/runs.yaml': shopWith({ required: true }, [
            { name: 'Idempotency-Key', in: 'header', required: true },
          ]),
        },
      ),
    ).toEqual([
      'GET /runs/{run_id}/events query parameters /limit field-now-required breaking',
      'GET /runs/{run_id}/events header parameters /x-trace field-removed breaking',
      'GET /runs/{run_id}/events header parameters /idempotency-key field-now-required breaking',
    ]);
  });

  it('takes a path parameter renamed for the same operation, shown by its new name', () => {
    const shopWith = (path: string, name: string, schema: object = { type: 'string' }) =>
      withItem({
        'openapi/shop.yaml': api({
          [path]: {
            get: {
              parameters: [{ name, in: 'path', required: true, schema }],
              responses: { '200': json('../shop/item.json') },
            },
          },
        }),
      });
    const before = shopWith('/items/{id}', 'id');
    expect(summary(before, shopWith('/items/{itemId}', 'itemId'))).toEqual([]);
    expect(
      summary(before, shopWith('/items/{itemId}', 'itemId', { type: 'string', format: 'uuid' })),
    ).toEqual(['GET /items/{itemId} path parameters /itemId format-tightened breaking']);
  });

  it('follows path items kept in files of their own', () => {
    const files = (status: string) => ({
      'openapi/shop.yaml': api({ '/items/{id}': { $ref: '../paths/item.yaml' } }),
      'paths/item.yaml': { get: { responses: { [status]: json('../shop/item.json') } } },
    });
    expect(summary(withItem(files('200')), withItem(files('201')))).toEqual([
      'GET /items/{id} 200 / exchange-removed breaking',
      'GET /items/{id} 201 / exchange-added safe',
    ]);
  });

  it('compares a status now answered by its range with that range', () => {
    const shopWith = (status: string, schema: string) =>
      api({ '/items/{id}': { get: { responses: { [status]: json(schema) } } } });
    expect(
      summary(
        withItem({
          'shop/other.json': { type: 'object' },
          'openapi/shop.yaml': shopWith('200', '../shop/item.json'),
        }),
        withItem({
          'shop/other.json': { type: 'object' },
          'openapi/shop.yaml': shopWith('2XX', '../shop/other.json'),
        }),
      ),
    ).toEqual([
      'GET /items/{id} 2XX /id field-removed breaking',
      'GET /items/{id} 2XX /name field-removed breaking',
    ]);
  });
});

describe('reviewSchemas, what it reads of AsyncAPI and frame schemas', () => {
  const frame = (type: string, extra: Record<string, unknown> = {}) => ({
    type: 'object',
    required: ['type'],
    properties: { type: { const: type }, ...extra },
  });
  const events = (operations: Record<string, unknown>, messages: Record<string, unknown>) => ({
    asyncapi: '3.0.0',
    channels: { events: { address: '/ws' }, alerts: { address: '/alerts' } },
    operations,
    components: { messages },
  });
  const ref = (path: string) => ({ $ref: path });
  const list = (changes: ReturnType<typeof reviewSchemas>) =>
    changes.map((c) => `${c.document} ${c.exchange} ${c.direction} ${c.path} ${c.kind}`);

  it('takes the reply of a send operation as sent by clients', () => {
    const doc = (ackType: unknown) =>
      events(
        {
          sendNotice: {
            action: 'send',
            channel: ref('#/channels/events'),
            messages: [ref('#/components/messages/notice')],
            reply: { messages: [ref('#/components/messages/ack')] },
          },
        },
        {
          notice: { name: 'notice', payload: frame('notice') },
          ack: { name: 'ack', payload: frame('ack', { id: ackType }) },
        },
      );
    const changes = reviewSchemas(
      schemaSetOf({ 'asyncapi/events.yaml': doc({ type: 'string' }) }),
      schemaSetOf({ 'asyncapi/events.yaml': doc({ type: 'integer' }) }),
    );
    expect(list(changes)).toEqual(['asyncapi/events.yaml ack accepted /id type-changed']);
  });

  it('keeps messages of one name on two channels apart, named by their channel', () => {
    const doc = (alertCode: unknown) =>
      events(
        {
          sendError: {
            action: 'send',
            channel: ref('#/channels/events'),
            messages: [ref('#/components/messages/eventsError')],
          },
          sendAlertError: {
            action: 'send',
            channel: ref('#/channels/alerts'),
            messages: [ref('#/components/messages/alertsError')],
          },
        },
        {
          eventsError: { name: 'error', payload: frame('error') },
          alertsError: { name: 'error', payload: frame('error', { code: alertCode }) },
        },
      );
    const changes = reviewSchemas(
      schemaSetOf({ 'asyncapi/events.yaml': doc({ type: 'string' }) }),
      schemaSetOf({ 'asyncapi/events.yaml': doc({ type: 'integer' }) }),
    );
    expect(list(changes)).toEqual([
      'asyncapi/events.yaml error (channel alerts) produced /code type-changed',
    ]);
  });

  it('refuses AsyncAPI 2.x in one plain line', () => {
    const old = schemaSetOf({ 'asyncapi/old.yaml': { asyncapi: '2.6.0', channels: {} } });
    let refusal: unknown;
    try {
      reviewSchemas(old, old);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(MeshpactError);
    expect((refusal as MeshpactError).code).toBe('invalid_usage');
    expect((refusal as Error).message).toMatch(
      /^schemas\/asyncapi\/old\.yaml: AsyncAPI 2\.x is not supported: [^\n]+$/,
    );
  });

  it("takes each variant of a frame schema for an exchange, listing a change once when the provider's AsyncAPI document restates it", () => {
    const files = (serverFrames: unknown[], pong: unknown) => ({
      'events/ping.json': frame('ping'),
      'events/pong.json': pong,
      'events/notice.json': frame('notice', { text: { type: 'string' } }),
      'events/server-frame.json': { oneOf: serverFrames },
      'events/client-frame.json': { oneOf: [ref('ping.json')] },
      'asyncapi/events.yaml': events(
        {
          sendPong: {
            action: 'send',
            channel: ref('#/channels/events'),
            messages: [ref('#/components/messages/pong')],
          },
        },
        { pong: { name: 'pong', payload: ref('../events/pong.json') } },
      ),
    });
    const frameSchemas = [
      {
        file: 'events/server-frame.json',
        direction: 'produced' as const,
        asyncapi: 'asyncapi/events.yaml',
      },
      {
        file: 'events/client-frame.json',
        direction: 'accepted' as const,
        asyncapi: 'asyncapi/events.yaml',
      },
    ];
    const pong = frame('pong', { at: { type: 'string' } });
    const before = schemaSetOf(files([ref('pong.json'), ref('notice.json')], pong));
    expect(
      apiSurface(before, { frameSchemas })
        .exchanges.filter((e) => e.document.startsWith('events/'))
        .map((e) => `${e.document} ${e.name} ${e.direction}`),
    ).toEqual([
      'events/server-frame.json pong produced',
      'events/server-frame.json notice produced',
      'events/client-frame.json ping accepted',
    ]);
    const after = schemaSetOf(
      files([ref('notice.json')], frame('pong', { at: { type: ['string', 'null'] } })),
    );
    expect(list(reviewSchemas(before, after, { frameSchemas }))).toEqual([
      'asyncapi/events.yaml pong produced /at type-widened',
      'events/server-frame.json pong produced / exchange-removed',
    ]);
    const noticeChanged = schemaSetOf({
      ...files([ref('pong.json'), ref('notice.json')], pong),
      'events/notice.json': frame('notice'),
    });
    expect(list(reviewSchemas(before, noticeChanged, { frameSchemas }))).toEqual([
      'events/server-frame.json notice produced /text field-removed',
    ]);
  });
});
