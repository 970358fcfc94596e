import { createLogger } from '../../src/runtime/logger.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  expectWellOrdered,
  signUp,
  storedEvents,
  TestSocket,
  waitForRun,
  type User,
  startRun,
} from './test-support.js';

const isCompleted = (runId: string) => (f: { type: string; run_id?: unknown }) =>
  f.type === 'agent_completed' && f.run_id === runId;

describe('/ws agent events', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let bob: User;
  const logged: string[] = [];
  beforeAll(async () => {
    mesh = await startMeshForTest({
      env: { RUNNER_STEP_DELAY_MS: '40' },
      logger: createLogger({ level: 'info', destination: { write: (line) => logged.push(line) } }),
    });
    [alice, bob] = await Promise.all([
      signUp(mesh, 'alice@example.com'),
      signUp(mesh, 'bob@example.com'),
    ]);
  });
  afterAll(() => mesh.close());

  describe('when a run is started over HTTP', () => {
    it('streams its events to a subscriber in the designed order, equal to the stored ones', async () => {
      const thread = await createThread(alice);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send({ type: 'subscribe', thread_id: thread });
      await socket.next((f) => f.type === 'subscribed');
      const runId = await startRun(alice, thread, '[think 2] [calc 6*7] [search x]', 'calculator');
      await socket.next(isCompleted(runId));
      const events = socket.events(runId);
      expect(expectWellOrdered(events)).toEqual([
        'agent_started',
        'agent_thinking',
        'agent_thinking',
        'tool_executing',
        'tool_completed',
        'tool_executing',
        'tool_completed',
        'agent_completed',
      ]);
      expect(events).toEqual(await storedEvents(alice, runId));
      socket.close();
    });
  });

  describe('when many sockets follow one thread', () => {
    it('sends each of them every event of a run once, in order, as the stored ones', async () => {
      const thread = await createThread(alice);
      const sockets = await Promise.all(
        Array.from({ length: 5 }, () => TestSocket.open(mesh.backend.wsUrl, alice.token)),
      );
      for (const socket of sockets) {
        socket.send({ type: 'subscribe', thread_id: thread });
        await socket.next((f) => f.type === 'subscribed');
      }
      const runId = await startRun(alice, thread, '[think 3] [calc 6*7]', 'calculator');
      await Promise.all(sockets.map((socket) => socket.next(isCompleted(runId))));
      const stored = await storedEvents(alice, runId);
      for (const socket of sockets) {
        expect(socket.events(runId)).toEqual(stored);
        socket.close();
      }
    });
  });

  describe('when a run is started over /ws', () => {
    it('answers run_accepted first, then the events, a failing tool included', async () => {
      const thread = await createThread(alice);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send({
        type: 'start_run',
        request_id: 'r-1',
        thread_id: thread,
        agent_name: 'calculator',
        input: '[calc 1/0]',
      });
      const accepted = await socket.next((f) => f.type === 'run_accepted');
      expect(accepted).toMatchObject({ request_id: 'r-1', thread_id: thread });
      const runId = String(accepted.run_id);
      await socket.next(isCompleted(runId));
      const acceptedAt = socket.frames.indexOf(accepted);
      expect(
        socket.frames.findIndex((f) => f.run_id === runId && f.type === 'agent_started'),
      ).toBeGreaterThan(acceptedAt);
      const events = socket.events(runId);
      expectWellOrdered(events);
      expect(events.find((e) => e.type === 'tool_completed')).toMatchObject({
        success: false,
        error: { code: 'division_by_zero' },
      });
      // The frame has its line as a request has its access line, and the
      // write over the socket is audited as one over HTTP is.
      const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.filter((line) => line.ws === 'in' && line.type === 'start_run')).toEqual([
        expect.objectContaining({
          msg: 'frame',
          status: 'ok',
          duration_ms: expect.any(Number) as unknown,
          user: alice.userId,
          tenant: alice.tenantId,
        }),
      ]);
      const audits = lines.filter((line) => line.audit === true && line.action === 'start_run');
      expect(audits).toEqual([
        expect.objectContaining({
          params: { thread_id: thread },
          created: `/api/runs/${runId}`,
          user: alice.userId,
          tenant: alice.tenantId,
          trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
        }),
      ]);
      socket.close();
    });
  });

  describe('when start_run names an agent that does not exist', () => {
    it('answers an agent_not_found error frame, starts nothing and keeps the socket open', async () => {
      const thread = await createThread(alice);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send({
        type: 'start_run',
        request_id: 'nobody',
        thread_id: thread,
        agent_name: 'no-such-agent',
        input: 'x',
      });
      expect(await socket.next((f) => f.request_id === 'nobody')).toMatchObject({
        type: 'error',
        code: 'agent_not_found',
      });
      socket.send({ type: 'ping', id: 'after' });
      await socket.next((f) => f.type === 'pong');
      expect(socket.frames.some((f) => f.type === 'run_accepted')).toBe(false);
      const messages = await alice.api.get(`/api/threads/${thread}/messages`);
      expect(messages.body.items).toEqual([]);
      socket.close();
    });
  });

  describe('when tenants share a gateway', () => {
    it("keeps each tenant's threads, runs and events to itself", async () => {
      const aliceThread = await createThread(alice);
      const bobThread = await createThread(bob);
      const bobSocket = await TestSocket.open(mesh.backend.wsUrl, bob.token);
      bobSocket.send({ type: 'subscribe', thread_id: bobThread });
      bobSocket.send({ type: 'subscribe', thread_id: aliceThread });
      expect(await bobSocket.next((f) => f.type === 'error')).toMatchObject({
        code: 'thread_not_found',
      });
      bobSocket.send({
        type: 'start_run',
        request_id: 'steal',
        thread_id: aliceThread,
        agent_name: 'calculator',
        input: 'x',
      });
      expect(await bobSocket.next((f) => f.request_id === 'steal')).toMatchObject({
        type: 'error',
        code: 'thread_not_found',
      });

      const run = await startRun(alice, aliceThread, '[think 2]');
      bobSocket.send({ type: 'subscribe', thread_id: aliceThread, run_id: run, after_seq: 0 });
      await waitForRun(alice, run);
      bobSocket.send({ type: 'ping', id: 'still-open' });
      await bobSocket.next((f) => f.type === 'pong');
      expect(bobSocket.frames.some((f) => f.run_id === run)).toBe(false);
      expect(bobSocket.frames.filter((f) => f.type === 'error')).toHaveLength(3);
      bobSocket.close();
    });
  });

  describe('when a client drops in the middle of a run', () => {
    it('resumes with after_seq and receives every event exactly once', async () => {
      const thread = await createThread(alice);
      const first = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      const runId = await first.startRun(thread, '[think 8] [calc 1+1]');
      await first.next((f) => f.run_id === runId && f.seq === 3);
      first.close();
      const seenBefore = first.events(runId).map((e) => e.seq);
      const lastSeen = Math.max(...seenBefore);

      const second = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      second.send({ type: 'subscribe', thread_id: thread, run_id: runId, after_seq: lastSeen });
      await second.next(isCompleted(runId));
      const seenAfter = second.events(runId).map((e) => e.seq);
      const stored = (await storedEvents(alice, runId)).map((e) => e.seq);
      expect([...seenBefore, ...seenAfter]).toEqual(stored);
      expect(stored).toEqual(stored.map((_s, i) => i + 1));
      second.close();
    });

    it('replays a finished run from the start with after_seq 0', async () => {
      const thread = await createThread(alice);
      const run = await startRun(alice, thread, '[calc 2*3]');
      await waitForRun(alice, run);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send({ type: 'subscribe', thread_id: thread, run_id: run, after_seq: 0 });
      await socket.next(isCompleted(run));
      expect(socket.events(run)).toEqual(await storedEvents(alice, run));
      socket.close();
    });
  });

  describe('when two gateway processes share one Postgres', () => {
    it('delivers to a client on gateway B the events of a run started through gateway A', async () => {
      const other = await mesh.startAnotherBackend({ RUNNER_STEP_DELAY_MS: '40' });
      const thread = await createThread(alice);
      const onB = await TestSocket.open(other.wsUrl, alice.token);
      onB.send({ type: 'subscribe', thread_id: thread });
      await onB.next((f) => f.type === 'subscribed');
      const run = await startRun(alice, thread, '[think 2] [calc 3*3]');
      await onB.next(isCompleted(run));
      expect(onB.events(run)).toEqual(await storedEvents(alice, run));
      onB.close();
    });
  });

  describe('control frames', () => {
    it('answers ping with pong, and stops sending a thread after unsubscribe', async () => {
      const thread = await createThread(alice);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send({ type: 'ping', id: 'p1' });
      expect(await socket.next((f) => f.type === 'pong')).toMatchObject({ id: 'p1' });
      socket.send({ type: 'subscribe', thread_id: thread });
      socket.send({ type: 'unsubscribe', thread_id: thread });
      expect(await socket.next((f) => f.type === 'unsubscribed')).toMatchObject({
        thread_id: thread,
      });
      const run = await startRun(alice, thread, 'x');
      await waitForRun(alice, run);
      socket.send({ type: 'ping', id: 'p2' });
      await socket.next((f) => f.type === 'pong' && f.id === 'p2');
      expect(socket.events(run)).toEqual([]);
      socket.close();
    });
  });
});
