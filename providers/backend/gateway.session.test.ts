import type pg from 'pg';
import { createPool } from '../../src/runtime/db.js';
import { bearer, request } from '../auth/test-helpers.js';
import type { RunningBackend } from './server.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { createThread, signUp, startRun, TestSocket, waitForRun } from './test-support.js';

describe('/ws when the session ends on an open socket', () => {
  let mesh: MeshUnderTest;
  let other: RunningBackend;
  let db: pg.Pool;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    other = await mesh.startAnotherBackend();
    db = createPool(mesh.auth.postgres.connectionString);
  });
  afterAll(async () => {
    await db.end();
    await mesh.close();
  });

  const runsOf = async (threadId: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM backend_runs WHERE thread_id = $1',
          [threadId],
        )
      ).rows[0]?.n,
    );

  // Two gateway processes: the logout is seen by the one that did not handle it as well.
  it.each([
    ['the gateway the socket is on', () => mesh.backend.wsUrl],
    ['another gateway process', () => other.wsUrl],
  ])('refuses start_run after logout, on %s, and closes with 4403', async (_case, wsUrl) => {
    const user = await signUp(mesh, `leaver-${Math.random().toString(36).slice(2)}@example.com`);
    const thread = await createThread(user);
    const socket = await TestSocket.open(wsUrl(), user.token);
    await waitForRun(user, await socket.startRun(thread, 'before [think 1]'));
    expect(await runsOf(thread)).toBe(1);

    const logout = await request(mesh.auth.url, 'POST', '/auth/logout', {
      headers: bearer(user.token),
    });
    expect(logout.status).toBe(204);
    const from = socket.frames.length;
    socket.send({
      type: 'start_run',
      request_id: 'after-logout',
      thread_id: thread,
      agent_name: 'calculator',
      input: 'after [think 1]',
    });
    expect(await socket.next((f) => f.type === 'error', from)).toMatchObject({
      code: 'unauthorized',
      request_id: 'after-logout',
    });
    expect(await socket.closedWith()).toBe(4403);
    expect(socket.frames.slice(from).map((f) => f.type)).toEqual(['error']);
    expect(await runsOf(thread)).toBe(1);
  });

  it('still lets the socket read until then: subscribe trusts the token, as HTTP reads do', async () => {
    const user = await signUp(mesh, 'reader@example.com');
    const thread = await createThread(user);
    const run = await startRun(user, thread, '[think 1]');
    await waitForRun(user, run);
    const socket = await TestSocket.open(mesh.backend.wsUrl, user.token);
    await request(mesh.auth.url, 'POST', '/auth/logout', { headers: bearer(user.token) });
    socket.send({ type: 'subscribe', thread_id: thread, run_id: run, after_seq: 0 });
    await socket.next((f) => f.type === 'agent_completed');
    expect(socket.closed).toBeUndefined();
    socket.close();
  });
});
