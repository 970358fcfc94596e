import { MeshpactError, validationFailed } from './meshpact-error.js';
import { schemaRegistry } from '../schemas/registry.js';
import { toProblem } from './problem.js';

describe('toProblem', () => {
  it('turns a MeshpactError into problem details with its code and extensions', () => {
    const error = validationFailed('request body', [
      { path: '/email', message: 'must match format "email"' },
    ]);
    expect(toProblem(error, { instance: '/auth/register', traceId: 'abc123' })).toEqual({
      type: 'https://meshpact.dev/problems/validation-failed',
      title: 'The request does not match its schema',
      status: 422,
      code: 'validation_failed',
      detail: 'request body: /email must match format "email"',
      instance: '/auth/register',
      trace_id: 'abc123',
      errors: [{ path: '/email', message: 'must match format "email"' }],
    });
  });

  it('hides the message of anything that is not a MeshpactError', () => {
    const problem = toProblem(new Error('password=hunter2 in connection string'));
    expect(problem).toMatchObject({ status: 500, code: 'internal_error' });
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });

  it('does not let extensions override the standard members', () => {
    const error = new MeshpactError('not_found', 'no thread', {
      extensions: { status: 200, code: 'ok' },
    });
    expect(toProblem(error)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('stays within common/problem when the request it answers is huge', () => {
    const name = 'z'.repeat(10_000);
    const error = new MeshpactError('not_found', `no pacticipant named "${name}"`, {
      extensions: { errors: [{ path: `/${name}`, message: `"${name}" is too long` }] },
    });
    const problem = toProblem(error, { instance: `/pacticipants/${name}`, traceId: 'abc' });
    expect(schemaRegistry().validator('common/problem').issues(problem)).toEqual([]);
    expect(problem.instance).toBeUndefined();
    expect(problem.detail).toMatch(/^no pacticipant named "z+…$/);
  });
});
