import { loadBackendConfig } from './config.js';
import { decodeCursor, encodeCursor, pageQuery } from './cursor.js';

describe('cursors', () => {
  it('round-trip a keyset position and stay opaque', () => {
    const position = {
      at: new Date('2026-03-01T09:00:00.123Z'),
      id: '3c951ac6-7161-4649-9695-eeeebff9c1b8',
    };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  describe('when a cursor was not handed out by this API', () => {
    const uuid = '3c951ac6-7161-4649-9695-eeeebff9c1b8';
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    it.each([
      ['not JSON', 'bm9wZQ'],
      ['not base64url', 'a+b/c='],
      ['over 512 characters', forge(['2026-03-01T09:00:00Z', uuid, 'x'.repeat(600)])],
      ['a leap second', forge(['2020-01-01T23:59:60Z', uuid])],
      ['a day that does not exist', forge(['2021-02-29T00:00:00Z', uuid])],
      ['a year Postgres cannot hold', forge(['+275760-09-13T00:00:00Z', uuid])],
      ['a huge number for the instant', forge([1e308, uuid])],
      ['an id that is not a uuid', forge(['2026-03-01T09:00:00Z', '-'.repeat(36)])],
      ['an object', forge({ at: '2026-03-01T09:00:00Z', id: uuid })],
      ['null', forge(null)],
      ['a string', forge('2026-03-01T09:00:00Z')],
      ['one element', forge(['2026-03-01T09:00:00Z'])],
      ['three elements', forge(['2026-03-01T09:00:00Z', uuid, 1])],
    ])('refuses %s with invalid_cursor', (_case, cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(
        expect.objectContaining({ code: 'invalid_cursor', status: 400 }) as Error,
      );
    });

    it('refuses a cursor given twice as a bad query', () => {
      expect(() => pageQuery({ cursor: ['a', 'b'] })).toThrow('must be given once');
    });
  });

  it('default the page size to 50 and bound it to 1..100', () => {
    expect(pageQuery({})).toEqual({ limit: 50 });
    expect(pageQuery({ limit: '100' })).toEqual({ limit: 100 });
    expect(() => pageQuery({ limit: '0' })).toThrow('/limit');
  });
});

describe('loadBackendConfig', () => {
  it('needs AUTH_URL and BACKEND_AUTH_CLIENT, and names them', () => {
    expect(() => loadBackendConfig({})).toThrow(
      'AUTH_URL is required; BACKEND_AUTH_CLIENT is required',
    );
  });

  it('has defaults for the rest', () => {
    const config = loadBackendConfig({
      AUTH_URL: 'http://127.0.0.1:4001',
      BACKEND_AUTH_CLIENT: 'backend-api:s3cret-xx',
    });
    expect(config).toMatchObject({
      authClient: { id: 'backend-api', secret: 's3cret-xx' },
      maxPayload: 65536,
      maxBuffered: 1048576,
      heartbeatMs: 30000,
      stepDelayMs: 100,
      runLimitPerUser: 30,
      runLimitPerTenant: 100,
      runLimitWindow: 60,
    });
  });

  it('refuses a run limit that would let nothing run, naming it', () => {
    expect(() =>
      loadBackendConfig({
        AUTH_URL: 'http://127.0.0.1:4001',
        BACKEND_AUTH_CLIENT: 'backend-api:s3cret-xx',
        BACKEND_RUNS_PER_USER: '0',
      }),
    ).toThrow('BACKEND_RUNS_PER_USER');
  });
});
