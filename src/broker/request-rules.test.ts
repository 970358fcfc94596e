import { MeshpactError } from '../errors/meshpact-error.js';
import { pathParam, queryChoice, queryInteger, queryName, webhookUuid } from './request-rules.js';

/** The issue a rule raised, or 'ok'. */
function outcome(check: () => unknown): unknown {
  try {
    check();
    return 'ok';
  } catch (error) {
    if (!(error instanceof MeshpactError)) throw error;
    return { code: error.code, errors: error.extensions.errors };
  }
}

describe('request rules', () => {
  describe('queryInteger', () => {
    const limit = (raw: unknown) => queryInteger('limit', raw, { min: 1, max: 10_000 }, 100);

    it.each([
      '1.5',
      '1e30',
      '1e3',
      'Infinity',
      'NaN',
      '-1',
      '0',
      '',
      ' 5',
      '0x10',
      '10001',
      '9'.repeat(20),
    ])('refuses limit=%j with validation_failed naming limit', (raw) => {
      expect(outcome(() => limit(raw))).toEqual({
        code: 'validation_failed',
        errors: [{ path: 'limit', message: 'must be a whole number from 1 to 10000' }],
      });
    });

    it('refuses a value given twice', () => {
      expect(outcome(() => limit(['1', '2']))).toMatchObject({ errors: [{ path: 'limit' }] });
    });

    it('takes whole numbers within bounds, and the fallback when absent', () => {
      expect(limit('1')).toBe(1);
      expect(limit('10000')).toBe(10_000);
      expect(limit('007')).toBe(7);
      expect(limit(undefined)).toBe(100);
    });
  });

  describe('names', () => {
    const bad = ['a\nb', 'a\u0000b', 'tab\there', ' ', 'x'.repeat(256), 'del\u007f'];

    it.each(bad)('refuses %j as a path parameter and as a query value', (value) => {
      expect(outcome(() => pathParam('version', value))).toMatchObject({
        code: 'validation_failed',
        errors: [{ path: 'version' }],
      });
      expect(outcome(() => queryName('q[][pacticipant]', value))).toMatchObject({
        errors: [{ path: 'q[][pacticipant]' }],
      });
    });

    it('takes what the Pact Broker takes: spaces, slashes, 255 characters', () => {
      for (const value of ['Pricing Service', 'feat/login', 'v'.repeat(255), 'ünïcode'])
        expect(pathParam('name', value)).toBe(value);
      expect(queryName('q', '')).toBeUndefined();
    });
  });

  it('has a rule for every path parameter a route may use, and fails loudly for any other', () => {
    expect(pathParam('uuid', 'a1-b_2')).toBe('a1-b_2');
    expect(outcome(() => pathParam('uuid', 'a b'))).toMatchObject({ errors: [{ path: 'uuid' }] });
    expect(outcome(() => pathParam('number', '1.5'))).toMatchObject({
      errors: [{ path: 'number' }],
    });
    expect(outcome(() => pathParam('number', '9'.repeat(19)))).toMatchObject({
      errors: [{ path: 'number' }],
    });
    expect(() => pathParam('unheard', 'x')).toThrow(/no rule for the path parameter :unheard/);
  });

  it('takes a webhook uuid chosen by a client only when it is 16 or more safe characters', () => {
    expect(webhookUuid('abcdefgh-1234567')).toBe('abcdefgh-1234567');
    expect(outcome(() => webhookUuid('short'))).toMatchObject({ errors: [{ path: '/uuid' }] });
  });

  it('takes one of the choices, or nothing for an empty value', () => {
    expect(queryChoice('latestby', 'cvp', ['cvp', 'cvpv'])).toBe('cvp');
    expect(queryChoice('latestby', '', ['cvp', 'cvpv'])).toBeUndefined();
    expect(outcome(() => queryChoice('latestby', 'cv', ['cvp', 'cvpv']))).toEqual({
      code: 'validation_failed',
      errors: [{ path: 'latestby', message: 'must be one of cvp, cvpv' }],
    });
  });
});
