import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { createSchemaRegistry, formatIssues, schemaRegistry } from './registry.js';

const registry = schemaRegistry();

const user = {
  id: '6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b',
  email: 'alice@example.com',
  name: 'Alice',
  tenant_id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
};
const tokenResponse = {
  access_token: 'eyJhbGciOiJFUzI1NiJ9.e30.sig',
  token_type: 'Bearer',
  expires_in: 900,
  refresh_token: 'rt_9f8e7d6c5b4a39281706',
  user,
};

describe('schema registry', () => {
  it('is created once per process', () => {
    expect(schemaRegistry()).toBe(registry);
  });

  it('hands out typed validators whose guard narrows the type', () => {
    const validator = registry.validator('auth/token-response');
    const body: unknown = tokenResponse;
    expect(validator.is(body)).toBe(true);
    if (validator.is(body)) expect(body.user.email).toBe('alice@example.com');
  });

  it('reports errors at the path of the offending value, in words a person can act on', () => {
    const issues = registry.validator('auth/token-response').issues({
      ...tokenResponse,
      token_type: 'bearer',
      user: { ...user, email: 'alice', role: 'x' },
    });
    expect(formatIssues(issues).split('\n').sort()).toEqual([
      '/token_type must be "Bearer"',
      '/user/email must match format "email"',
      '/user/role is not allowed',
    ]);
  });

  it('reports a missing property at the property, and lists enum values', () => {
    const issues = registry.validator('backend/run').issues({
      id: user.id,
      thread_id: user.id,
      agent_name: 'researcher',
      status: 'paused',
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/created_at', message: 'is required' },
        {
          path: '/status',
          message: 'must be one of "queued", "running", "succeeded", "failed", "cancelled"',
        },
      ]),
    );
  });

  it('names an unknown frame type instead of listing every branch that failed', () => {
    const issues = registry.validator('events/server-frame').issues({ type: 'agent_dreaming' });
    expect(issues).toEqual([{ path: '/type', message: '"agent_dreaming" is not a known type' }]);
  });

  describe('assert', () => {
    it('returns the value when it matches', () => {
      expect(registry.validator('auth/user').assert(user)).toBe(user);
    });

    it('throws validation_failed with every issue when it does not', () => {
      const attempt = () => registry.validator('auth/user').assert({ ...user, id: 7 }, 'user');
      expect(attempt).toThrow(MeshpactError);
      expect(attempt).toThrow('user: /id must be string');
      try {
        attempt();
      } catch (error) {
        expect(error).toMatchObject({
          code: 'validation_failed',
          status: 422,
          extensions: { errors: [{ path: '/id', message: 'must be string' }] },
        });
      }
    });
  });

  it('refuses a schema name it does not have', () => {
    expect(() => registry.validatorFor('auth/nothing')).toThrow('no schema named "auth/nothing"');
  });

  it('names a schema file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-schemas-'));
    try {
      mkdirSync(join(dir, 'common'));
      writeFileSync(join(dir, 'common/uuid.json'), '{"type": ');
      expect(() => createSchemaRegistry(dir)).toThrow(
        new MeshpactError(
          'config_invalid',
          'schemas/common/uuid.json is not JSON: Unexpected end of JSON input',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks that every $id mirrors its file path', () => {
    expect(() => createSchemaRegistry(import.meta.dirname + '/__fixtures__/misplaced')).toThrow(
      'schemas/auth/user.json: $id must be https://meshpact.dev/schemas/auth/user.json',
    );
  });
});
