import { join } from 'node:path';
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
