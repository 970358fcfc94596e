import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../runtime/paths.js';
import { InteractionSchemas } from './interaction-schemas.js';
import { loadMesh } from './mesh.js';

describe('InteractionSchemas', () => {
  const schemas = new InteractionSchemas(loadMesh(join(packageRoot(), 'contracts/mesh.yaml')));
  const schema = (name: string) => join(packageRoot(), 'schemas', `${name}.json`);

  it('finds the request and response schemas of an operation by method, path and status', () => {
    expect(schemas.forHttp('auth-service', 'POST', '/auth/register', 201)).toEqual({
      operation: 'POST register',
      request: schema('auth/register-request'),
      response: schema('auth/token-response'),
    });
  });

  it('matches templated paths and ignores the query string', () => {
    const found = schemas.forHttp(
      'backend-api',
      'GET',
      '/api/threads/3c951ac6-7161-4649-9695-eeeebff9c1b8/messages?limit=2',
      200,
    );
    expect(found?.response).toBe(schema('backend/message-page'));
  });

  it('resolves shared error responses to the problem schema', () => {
    expect(schemas.forHttp('auth-service', 'POST', '/auth/login', 422)?.response).toBe(
      schema('common/problem'),
    );
    expect(schemas.forHttp('backend-api', 'GET', '/api/threads/x', 404)?.response).toBe(
      schema('common/problem'),
    );
  });

  it('says nothing for an operation the provider does not have', () => {
    expect(schemas.forHttp('auth-service', 'DELETE', '/auth/login', 200)).toBeUndefined();
  });

  it('refuses a provider without an OpenAPI document', () => {
    expect(() => schemas.forHttp('backend-events', 'GET', '/ws', 101)).toThrow(
      'backend-events has no OpenAPI document',
    );
  });
});

describe('InteractionSchemas on a document of its own', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshpact-interaction-schemas-'));
    const body = (mediaType: string, file: string) => ({
      content: { [mediaType]: { schema: { $ref: file } } },
    });
    writeFileSync(
      join(dir, 'shop.yaml'),
      stringify({
        openapi: '3.1.0',
        servers: [{ url: 'https://shop.example/v1' }],
        paths: {
          '/items/{id}': { get: { responses: { '200': body('application/json', 'item.json') } } },
          '/items/search': {
            get: {
              responses: {
                '200': {
                  content: {
                    'text/csv': { schema: { type: 'string' } },
                    'application/json; charset=utf-8': { schema: { $ref: 'page.json' } },
                  },
                },
                '4XX': body('application/problem+json', 'problem.json'),
              },
            },
          },
        },
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const schemas = () =>
    new InteractionSchemas({
      file: join(dir, 'mesh.yaml'),
      root: dir,
      pacticipants: new Map([
        ['shop', { name: 'shop', kind: 'http', openapi: join(dir, 'shop.yaml') }],
      ]),
      contracts: [],
    });

  it('picks the most literal path under the base path of the servers, and a JSON media type with parameters', () => {
    expect(schemas().forHttp('shop', 'GET', '/v1/items/search?q=pen', 200)?.response).toBe(
      join(dir, 'page.json'),
    );
    expect(schemas().forHttp('shop', 'GET', '/v1/items/7', 200)?.response).toBe(
      join(dir, 'item.json'),
    );
    expect(schemas().forHttp('shop', 'GET', '/items/7', 200)).toBeUndefined();
  });

  it('answers a status by its range', () => {
    expect(schemas().forHttp('shop', 'GET', '/v1/items/search', 404)?.response).toBe(
      join(dir, 'problem.json'),
    );
  });
});
