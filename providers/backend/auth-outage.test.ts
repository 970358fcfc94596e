import { fetchesTo, freezableProxy } from '../../src/runtime/test-servers.js';
import { freePort } from '../../src/runtime/ports.js';
import { expectProblem, hungServer, request } from '../auth/test-helpers.js';
import type { RunningBackend } from './server.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { signUp, TestSocket, type User } from './test-support.js';

describe('backend-api when auth-service cannot be reached', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let cutOff: RunningBackend;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
    // A backend whose auth-service is down: nothing listens where it looks for
    // the JWKS, while the tokens it is shown are the real auth-service's.
    cutOff = await mesh.startAnotherBackend({
      AUTH_URL: `http://127.0.0.1:${await freePort()}`,
      AUTH_ISSUER: mesh.auth.url,
    });
  });
  afterAll(() => mesh.close());

  it('answers 503 auth_unavailable, not 401, to a request with a token', async () => {
    const headers = { authorization: `Bearer ${alice.token}` };
    expectProblem(
      await request(cutOff.url, 'GET', '/api/threads', { headers }),
      503,
      'auth_unavailable',
    );
    expectProblem(
      await request(cutOff.url, 'POST', '/api/threads', { headers, body: { title: 'x' } }),
      503,
      'auth_unavailable',
    );
    expect((await alice.api.get('/api/threads')).status).toBe(200);
  });

  it('is not ready, naming the key set as what fails', async () => {
    const ready = await request(cutOff.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'unavailable',
      checks: { postgres: 'ok', auth_jwks: 'failing' },
    });
  });

  it('refuses the WebSocket handshake with 503', async () => {
    await expect(TestSocket.open(cutOff.wsUrl, alice.token)).rejects.toThrow(
      /Unexpected server response: 503/,
    );
  });
});

/**
 * For a describe block: a mesh, alice signed up on it, and another backend
 * that reaches auth-service only through `double` (tokens still name the real
 * one), giving up on each call after 200 ms. Read the members inside tests.
 */
function backendBehind<D extends { url: string; close(): Promise<void> }>(
  double: (mesh: MeshUnderTest) => Promise<D>,
) {
  let mesh: MeshUnderTest;
  const under = {} as { alice: User; backend: RunningBackend; auth: D };
  beforeAll(async () => {
    mesh = await startMeshForTest();
    under.alice = await signUp(mesh, 'alice@example.com');
    under.auth = await double(mesh);
    under.backend = await mesh.startAnotherBackend({
      AUTH_URL: under.auth.url,
      AUTH_ISSUER: mesh.auth.url,
      AUTH_TIMEOUT_MS: '200',
    });
  });
  afterAll(async () => {
    await mesh.close();
    await under.auth.close();
  });
  return under;
}

describe('backend-api when auth-service hangs', () => {
  const hung = backendBehind(() => hungServer());

  it('answers a write and the WebSocket handshake 503 auth_unavailable after its timeout, then without asking', async () => {
    const headers = { authorization: `Bearer ${hung.alice.token}` };
    expectProblem(
      await request(hung.backend.url, 'POST', '/api/threads', { headers, body: { title: 'x' } }),
      503,
      'auth_unavailable',
    );
    await expect(TestSocket.open(hung.backend.wsUrl, hung.alice.token)).rejects.toThrow(
      /Unexpected server response: 503/,
    );
    for (let i = 0; i < 3; i += 1)
      expectProblem(
        await request(hung.backend.url, 'GET', '/api/threads', { headers }),
        503,
        'auth_unavailable',
      );
    const asked = fetchesTo(hung.auth.url);
    try {
      expectProblem(
        await request(hung.backend.url, 'POST', '/api/threads', { headers, body: { title: 'y' } }),
        503,
        'auth_unavailable',
      );
      expect(asked.count()).toBe(0);
    } finally {
      asked.restore();
    }
  });
});

describe('backend-api when auth-service hangs after it served its keys', () => {
  const frozen = backendBehind((mesh) => freezableProxy(mesh.auth.url));

  it('reads on with the cached keys, and after three failed writes stops asking it', async () => {
    const headers = { authorization: `Bearer ${frozen.alice.token}` };
    // The keys are fetched and cached; writes are introspected.
    expect((await request(frozen.backend.url, 'GET', '/api/threads', { headers })).status).toBe(
      200,
    );
    const write = () =>
      request(frozen.backend.url, 'POST', '/api/threads', { headers, body: { title: 'x' } });
    expect((await write()).status).toBe(201);

    frozen.auth.freeze();
    for (let i = 0; i < 3; i += 1) expectProblem(await write(), 503, 'auth_unavailable');
    const asked = frozen.auth.unanswered();
    expect(asked).toBeGreaterThanOrEqual(3);
    // Served from the cache: a key lookup is no news of auth-service and keeps the breaker open.
    expect((await request(frozen.backend.url, 'GET', '/api/threads', { headers })).status).toBe(
      200,
    );
    expectProblem(await write(), 503, 'auth_unavailable');
    expect(frozen.auth.unanswered()).toBe(asked);
  });
});
