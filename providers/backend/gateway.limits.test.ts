import WebSocket from 'ws';
import { ManualClock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { listEvents } from './store.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  signUp,
  storedEvents,
  TestSocket,
  waitForRun,
  type User,
  startRun,
} from './test-support.js';

describe('/ws limits', () => {
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest({
      clock,
      env: { WS_HEARTBEAT_MS: '50', WS_MAX_BUFFERED: '16384' },
    });
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  /** After a misbehaving client, the gateway still serves a well-behaved one. */
  async function stillServing() {
    const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    socket.send({ type: 'ping', id: 'alive' });
    await socket.next((f) => f.type === 'pong');
    socket.close();
  }

  describe('when a client sends bad frames', () => {
    it.each([
      ['text that is not JSON', 'not json', 'invalid_json'],
      ['an unknown type', { type: 'dance' }, 'unknown_frame'],
      ['a subscribe without thread_id', { type: 'subscribe' }, 'validation_failed'],
      ['JSON that is not an object', 'null', 'validation_failed'],
      [
        'an over-long request_id',
        { type: 'start_run', request_id: 'r'.repeat(300) },
        'validation_failed',
      ],
      [
        'after_seq without run_id',
        { type: 'subscribe', thread_id: '3c951ac6-7161-4649-9695-eeeebff9c1b8', after_seq: 2 },
        'validation_failed',
      ],
    ])('answers %s with an error frame and keeps the socket open', async (_case, frame, code) => {
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send(frame);
      expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code });
      socket.send({ type: 'ping', id: 'after' });
      await socket.next((f) => f.type === 'pong');
      socket.close();
    });

    it('refuses an after_seq above the bound HTTP holds it to, before subscribing', async () => {
      const thread = await createThread(alice);
      const run = await startRun(alice, thread, '[think 1]');
      await waitForRun(alice, run);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      const from = socket.frames.length;
      socket.send({ type: 'subscribe', thread_id: thread, run_id: run, after_seq: 2 ** 31 });
      expect(await socket.next((f) => f.type === 'error', from)).toMatchObject({
        code: 'validation_failed',
      });
      socket.send({ type: 'subscribe', thread_id: thread, run_id: run, after_seq: 2 ** 31 - 1 });
      await socket.next((f) => f.type === 'subscribed', from);
      socket.send({ type: 'ping', id: 'after' });
      await socket.next((f) => f.type === 'pong', from);
      expect(socket.frames.slice(from).map((f) => f.type)).toEqual(['error', 'subscribed', 'pong']);
      socket.close();
    });

    it('closes with 1009 on a frame over 64 KiB, and loses no stored event', async () => {
      const thread = await createThread(alice);
      const run = await startRun(alice, thread, '[think 3]');
      await waitForRun(alice, run);
      const before = await storedEvents(alice, run);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      socket.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(70 * 1024) }));
      expect(await socket.closedWith()).toBe(1009);
      expect(await storedEvents(alice, run)).toEqual(before);
      await stillServing();
    });
  });

  describe('heartbeat and token expiry', () => {
    it('keeps a client that answers pings across many heartbeats', async () => {
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      await new Promise((resolve) => setTimeout(resolve, 400));
      socket.send({ type: 'ping', id: 'still' });
      await socket.next((f) => f.type === 'pong');
      socket.close();
    });

    it('drops a client that does not answer pings', async () => {
      const ws = new WebSocket(mesh.backend.wsUrl, ['meshpact.v1', `bearer.${alice.token}`], {
        autoPong: false,
      });
      const dead = new TestSocket(ws);
      await dead.next((f) => f.type === 'connection_established');
      expect(await dead.closedWith()).toBe(1006);
    });

    it('closes with 4401 when the token expires on an open socket', async () => {
      const bob = await signUp(mesh, 'bob@example.com');
      const socket = await TestSocket.open(mesh.backend.wsUrl, bob.token);
      clock.advance(901);
      expect(await socket.closedWith()).toBe(4401);
      expect(socket.closed?.reason).toBe('token expired');
    });
  });
});

describe('/ws slow clients', () => {
  // A heartbeat far in the future: only the buffered-bytes bound can drop the client here.
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest({ env: { WS_MAX_BUFFERED: '16384', WS_HEARTBEAT_MS: '600000' } });
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  it('closes a client whose unread bytes pass the bound, instead of buffering without end', async () => {
    const thread = await createThread(alice);
    const input = `[think 10] ${'a long task description '.repeat(300)}`;
    const run = await startRun(alice, thread, input);
    await waitForRun(alice, run);

    const slow = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    // Each subscribe replays the whole run (about 100 KB); the client keeps asking and never reads.
    for (let i = 0; i < 300 && mesh.backend.gateway.size > 0; i++) {
      slow.send({ type: 'subscribe', thread_id: thread, run_id: run, after_seq: 0 });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(mesh.backend.gateway.size).toBe(0);
    socket.resume();
    expect([1013, 1006]).toContain(await slow.closedWith());

    const healthy = await TestSocket.open(mesh.backend.wsUrl, alice.token);
    healthy.send({ type: 'ping', id: 'alive' });
    await healthy.next((f) => f.type === 'pong');
    healthy.close();
  });
});

describe('/ws shutdown', () => {
  it('closes sockets with 1001 and lets a run in progress finish its stored events', async () => {
    const mesh = await startMeshForTest({ env: { RUNNER_STEP_DELAY_MS: '30' } });
    try {
      const alice = await signUp(mesh, 'alice@example.com');
      const thread = await createThread(alice);
      const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      const run = await socket.startRun(thread, '[think 5]');
      await socket.next((f) => f.run_id === run && f.seq === 2);
      const closing = mesh.backend.close();
      expect(await socket.closedWith()).toBe(1001);
      await closing;
      const db = createPool(mesh.auth.postgres.connectionString);
      const events = await listEvents(db, alice.tenantId, run, { after: 0 });
      await db.end();
      expect(events.at(-1)?.type).toBe('agent_completed');
      expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
    } finally {
      await mesh.close();
    }
  });
});
