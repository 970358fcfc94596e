import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ManualClock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { hashPassword } from '../auth/passwords.js';
import { insertUser } from '../auth/store.js';
import { expectProblem, password, request } from '../auth/test-helpers.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import { apiFor, createThread, signUp, TestSocket, waitForRun, type User } from './test-support.js';

describe('run limits', () => {
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  let db: pg.Pool;
  beforeAll(async () => {
    mesh = await startMeshForTest({
      clock,
      env: {
        BACKEND_RUNS_PER_USER: '2',
        BACKEND_RUNS_PER_TENANT: '3',
        BACKEND_RUNS_WINDOW: '60',
      },
    });
    db = createPool(mesh.auth.postgres.connectionString);
  });
  afterAll(async () => {
    await db.end();
    await mesh.close();
  });

  /** A second user in `owner`'s tenant, written through auth-service's store (register makes a tenant per user). */
  async function colleagueOf(owner: User, email: string): Promise<User> {
    await insertUser(db, {
      id: randomUUID(),
      tenant_id: owner.tenantId,
      email,
      name: 'Colleague',
      password_hash: await hashPassword(password),
      created_at: clock.now(),
    });
    const login = await request(mesh.auth.url, 'POST', '/auth/login', {
      body: { email, password },
    });
    const token = String(login.body.access_token);
    const user = login.body.user as { id: string; tenant_id: string };
    return {
      token,
      userId: user.id,
      tenantId: user.tenant_id,
      api: apiFor(mesh.backend.url, token),
    };
  }

  const runsOf = async (threadId: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM backend_runs WHERE thread_id = $1',
          [threadId],
        )
      ).rows[0]?.n,
    );
  const run = { agent_name: 'calculator', input: '[think 1]' };
  const startOverWs = (socket: TestSocket, threadId: string, requestId: string) => {
    const from = socket.frames.length;
    socket.send({ type: 'start_run', request_id: requestId, thread_id: threadId, ...run });
    return socket.next((f) => f.request_id === requestId, from);
  };

  it('counts HTTP and start_run together per user, answers 429 with Retry-After, and frees the slot with time', async () => {
    const alice = await signUp(mesh, 'alice@example.com');
    const thread = await createThread(alice);
    const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    expect((await alice.api.post(`/api/threads/${thread}/runs`, run)).status).toBe(202);
    clock.advance(10);
    expect(await startOverWs(socket, thread, 'second')).toMatchObject({ type: 'run_accepted' });

    const refused = await alice.api.post(`/api/threads/${thread}/runs`, run);
    expectProblem(refused, 429, 'rate_limited');
    // The first run leaves the window 60 s after it started, 50 s from now.
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(refused.body.retry_after).toBe(50);
    expect(await startOverWs(socket, thread, 'third')).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: expect.any(String) as string,
      request_id: 'third',
      retry_after: 50,
    });
    expect(socket.closed).toBeUndefined();
    expect(await runsOf(thread)).toBe(2);

    clock.advance(50);
    expect(await startOverWs(socket, thread, 'fourth')).toMatchObject({ type: 'run_accepted' });
    expect(await runsOf(thread)).toBe(3);
    socket.close();
  });

  it('counts every user of a tenant together, and no other tenant', async () => {
    clock.advance(3600);
    const owner = await signUp(mesh, 'owner@example.com');
    const colleague = await colleagueOf(owner, 'colleague@example.com');
    const stranger = await signUp(mesh, 'stranger@example.com');
    const thread = await createThread(owner);
    for (const user of [owner, owner, colleague]) {
      expect((await user.api.post(`/api/threads/${thread}/runs`, run)).status).toBe(202);
    }
    const refused = await colleague.api.post(`/api/threads/${thread}/runs`, run);
    expectProblem(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toBe('60');
    const elsewhere = await createThread(stranger);
    expect((await stranger.api.post(`/api/threads/${elsewhere}/runs`, run)).status).toBe(202);
  });

  it('counts starts made at once one after another, in the same shared transaction or not', async () => {
    clock.advance(3600);
    const owner = await signUp(mesh, 'burst-owner@example.com');
    const colleague = await colleagueOf(owner, 'burst-colleague@example.com');
    const stranger = await signUp(mesh, 'burst-stranger@example.com');
    const thread = await createThread(owner);
    const elsewhere = await createThread(stranger);
    const starts = [owner, owner, owner, colleague, colleague].map((user) => ({
      user,
      thread,
    }));
    starts.push({ user: stranger, thread: elsewhere });
    const answers = await Promise.all(
      starts.map(({ user, thread }) => user.api.post(`/api/threads/${thread}/runs`, run)),
    );
    const accepted = (user: User) =>
      answers.filter((answer, i) => starts[i]!.user === user && answer.status === 202).length;
    expect(accepted(owner)).toBeLessThanOrEqual(2);
    expect(accepted(owner) + accepted(colleague)).toBe(3);
    expect(accepted(stranger)).toBe(1);
    for (const answer of answers.filter((answer) => answer.status !== 202)) {
      expectProblem(answer, 429, 'rate_limited');
      expect(answer.headers.get('retry-after')).toBe('60');
    }
    expect(await runsOf(thread)).toBe(3);
  });

  it('keeps a slot taken when its thread is deleted', async () => {
    clock.advance(3600);
    const bob = await signUp(mesh, 'bob@example.com');
    for (let i = 0; i < 2; i++) {
      const thread = await createThread(bob);
      const started = await bob.api.post(`/api/threads/${thread}/runs`, run);
      expect(started.status).toBe(202);
      // Deleting a thread while its run still writes events can fail (issue 17,
      // the state-reset race); this test is about the slot, so the run ends first.
      await waitForRun(bob, (started.body as { id: string }).id);
      expect((await bob.api.delete(`/api/threads/${thread}`)).status).toBe(204);
    }
    const thread = await createThread(bob);
    expectProblem(await bob.api.post(`/api/threads/${thread}/runs`, run), 429, 'rate_limited');
  });

  it('takes no slot for a run that is refused for another reason', async () => {
    clock.advance(3600);
    const carol = await signUp(mesh, 'carol@example.com');
    const thread = await createThread(carol);
    for (let i = 0; i < 3; i++) {
      const answer = await carol.api.post(`/api/threads/${thread}/runs`, {
        agent_name: 'nobody',
        input: 'x',
      });
      expectProblem(answer, 404, 'agent_not_found');
    }
    expect((await carol.api.post(`/api/threads/${thread}/runs`, run)).status).toBe(202);
  });

  it("refuses starts on a missing or another tenant's thread as not found, taking no slot, beside starts that succeed", async () => {
    clock.advance(3600);
    const dave = await signUp(mesh, 'dave@example.com');
    const erin = await signUp(mesh, 'erin@example.com');
    const own = await createThread(dave);
    const hers = await createThread(erin);
    // Made at once, so they may share the starts' transaction: Erin's own start
    // puts her thread among the rows it reads, and Dave's start on it must
    // still be refused.
    const starts = [
      { user: dave, thread: own },
      { user: dave, thread: hers },
      { user: erin, thread: hers },
      { user: dave, thread: randomUUID() },
      { user: dave, thread: own },
    ];
    const answers = await Promise.all(
      starts.map(({ user, thread }) => user.api.post(`/api/threads/${thread}/runs`, run)),
    );
    expect(answers.map((answer) => answer.status)).toEqual([202, 404, 202, 404, 202]);
    expectProblem(answers[1]!, 404, 'thread_not_found');
    expectProblem(answers[3]!, 404, 'thread_not_found');
    expect(await runsOf(hers)).toBe(1);
    // Dave's two slots went to his own runs: the next is over his limit.
    expectProblem(await dave.api.post(`/api/threads/${own}/runs`, run), 429, 'rate_limited');
  });

  it("refuses start_run on another tenant's thread with an error frame, and the socket stays open", async () => {
    clock.advance(3600);
    const frank = await signUp(mesh, 'frank@example.com');
    const gina = await signUp(mesh, 'gina@example.com');
    const hers = await createThread(gina);
    const socket = await TestSocket.open(mesh.backend.wsUrl, frank.token);
    expect(await startOverWs(socket, hers, 'hers')).toMatchObject({
      type: 'error',
      code: 'thread_not_found',
      request_id: 'hers',
    });
    expect(socket.closed).toBeUndefined();
    expect(await runsOf(hers)).toBe(0);
    socket.close();
  });
});
