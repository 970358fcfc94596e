import type { Problem } from '../schemas/types.generated.js';
import { asPactBrokerProblem, errorsByField } from './problems.js';

describe('errorsByField, the Pact Broker error map', () => {
  it('dots a path without an index', () => {
    expect(errorsByField([{ path: '/consumer/name', message: 'is missing' }])).toEqual({
      'consumer.name': ['is missing'],
    });
  });

  it('keys an indexed path by its first member and tells the rest and the index in the message', () => {
    expect(
      errorsByField([
        { path: '/contracts/0/content', message: 'is not base64' },
        { path: '/consumerVersionSelectors/1', message: 'needs a branch' },
        { path: '/request/headers/2', message: 'must be a string' },
        { path: '/contracts/3/content', message: 'is empty' },
      ]),
    ).toEqual({
      contracts: ['content is not base64 (at index 0)', 'content is empty (at index 3)'],
      consumerVersionSelectors: ['needs a branch (at index 1)'],
      request: ['headers must be a string (at index 2)'],
    });
  });

  it('names a parameter as sent, and the root as body', () => {
    expect(
      errorsByField([
        { path: 'q[][version]', message: 'has a NUL' },
        { path: '/', message: 'must be a JSON object' },
      ]),
    ).toEqual({ 'q[][version]': ['has a NUL'], body: ['must be a JSON object'] });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'keeps a field named %s as a field',
    (name) => {
      const map = errorsByField([
        { path: name, message: 'has a NUL' },
        { path: `/${name}`, message: 'is not allowed' },
      ]);
      expect(Object.entries(map)).toEqual([[name, ['has a NUL', 'is not allowed']]]);
      expect(JSON.parse(JSON.stringify(map))).toEqual({ [name]: ['has a NUL', 'is not allowed'] });
    },
  );
});

describe('asPactBrokerProblem', () => {
  const refused: Problem = {
    type: 'https://meshpact.dev/problems/validation-failed',
    title: 'The request does not match its schema',
    status: 422,
    code: 'validation_failed',
    detail: 'request body: /name is missing',
    errors: [{ path: '/name', message: 'is missing' }],
  };

  it('answers a validation error with 400 and the map, to a HAL client', () => {
    expect(asPactBrokerProblem(refused, 'application/hal+json;charset=utf-8')).toMatchObject({
      status: 400,
      errors: { name: ['is missing'] },
    });
  });

  it('keeps the list of issues for a problem+json client, still with 400', () => {
    expect(asPactBrokerProblem(refused, 'application/problem+json;charset=utf-8')).toMatchObject({
      status: 400,
      errors: [{ path: '/name', message: 'is missing' }],
    });
  });

  it('adds the Pact Broker one-line `error` to any other error a HAL client gets', () => {
    const missing: Problem = {
      type: 'https://meshpact.dev/problems/not-found',
      title: 'No such resource',
      status: 404,
      code: 'not_found',
      detail: 'no pacticipant named "Foo"',
    };
    expect(asPactBrokerProblem(missing, 'application/hal+json;charset=utf-8')).toMatchObject({
      status: 404,
      error: 'no pacticipant named "Foo"',
    });
    expect(
      asPactBrokerProblem(missing, 'application/problem+json;charset=utf-8'),
    ).not.toHaveProperty('error');
  });
});
