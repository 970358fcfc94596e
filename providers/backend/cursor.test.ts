import { MeshpactError } from '../../src/errors/meshpact-error.js';
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

  it('refuse what this API did not hand out', () => {
    expect(() => decodeCursor('bm9wZQ')).toThrow(MeshpactError);
    // Shaped like a position, but SQL would choke on it: still a 422, never a 500.
    const forge = (at: string, id: string) =>
      Buffer.from(JSON.stringify([at, id])).toString('base64url');
    expect(() => decodeCursor(forge('2026-03-01T09:00:00Z', '-'.repeat(36)))).toThrow('/cursor');
    expect(() =>
      decodeCursor(forge('+275760-09-13T00:00:00Z', '3c951ac6-7161-4649-9695-eeeebff9c1b8')),
    ).toThrow('/cursor');
    expect(() => pageQuery({ cursor: ['a', 'b'] })).toThrow('must be given once');
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
    });
  });
});
