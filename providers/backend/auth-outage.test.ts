import { freezableProxy } from '../../src/runtime/test-servers.js';
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

describe('backend-api when auth-service hangs', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let auth: Awaited<ReturnType<typeof hungServer>>;
  let stuck: RunningBackend;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
    auth = await hungServer();
    stuck = await mesh.startAnotherBackend({
      AUTH_URL: auth.url,
      AUTH_ISSUER: mesh.auth.url,
      AUTH_TIMEOUT_MS: '200',
    });
  });
  afterAll(async () => {
    await mesh.close();
    await auth.close();
  });

  it('answers a write and the WebSocket handshake 503 auth_unavailable after its timeout, then without asking', async () => {
    const headers = { authorization: `Bearer ${alice.token}` };
    expectProblem(
      await request(stuck.url, 'POST', '/api/threads', { headers, body: { title: 'x' } }),
      503,
      'auth_unavailable',
    );
    await expect(TestSocket.open(stuck.wsUrl, alice.token)).rejects.toThrow(
      /Unexpected server response: 503/,
    );
    for (let i = 0; i < 3; i += 1)
      expectProblem(
        await request(stuck.url, 'GET', '/api/threads', { headers }),
        503,
        'auth_unavailable',
      );
    const asked = auth.connections();
    expectProblem(
      await request(stuck.url, 'POST', '/api/threads', { headers, body: { title: 'y' } }),
      503,
      'auth_unavailable',
    );
    expect(auth.connections()).toBe(asked);
  });
});

describe('backend-api when auth-service hangs after it served its keys', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let auth: Awaited<ReturnType<typeof freezableProxy>>;
  let backend: RunningBackend;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
    auth = await freezableProxy(mesh.auth.url);
    backend = await mesh.startAnotherBackend({
      AUTH_URL: auth.url,
      AUTH_ISSUER: mesh.auth.url,
      AUTH_TIMEOUT_MS: '200',
    });
  });
  afterAll(async () => {
    await mesh.close();
    await auth.close();
  });

  it('reads on with the cached keys, and after three failed writes stops asking it', async () => {
    const headers = { authorization: `Bearer ${alice.token}` };
    // The keys are fetched and cached; writes are introspected.
    expect((await request(backend.url, 'GET', '/api/threads', { headers })).status).toBe(200);
    const write = () =>
      request(backend.url, 'POST', '/api/threads', { headers, body: { title: 'x' } });
    expect((await write()).status).toBe(201);

    auth.freeze();
    for (let i = 0; i < 3; i += 1) expectProblem(await write(), 503, 'auth_unavailable');
    const asked = auth.unanswered();
    expect(asked).toBeGreaterThanOrEqual(3);
    // Served from the cache: a key lookup is no news of auth-service and keeps the breaker open.
    expect((await request(backend.url, 'GET', '/api/threads', { headers })).status).toBe(200);
    expectProblem(await write(), 503, 'auth_unavailable');
    expect(auth.unanswered()).toBe(asked);
  });
});
