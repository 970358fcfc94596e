import WebSocket from 'ws';
import { startMeshForTest, type MeshUnderTest } from '../../providers/backend/testing.js';
import { AuthClient } from './auth.js';
import { BackendClient } from './backend.js';
import { EventStream, type EventStreamOptions, type WebSocketLike } from './events.js';

// EventStream against the real gateway when its socket goes away.

describe('EventStream', () => {
  let mesh: MeshUnderTest;
  let auth: AuthClient;
  let threadId: string;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    auth = new AuthClient({ baseUrl: mesh.auth.url });
    await auth.register({
      email: 'drops@example.com',
      password: 'correct horse battery',
      name: 'D',
    });
    const api = new BackendClient({ baseUrl: mesh.backend.url, session: auth });
    threadId = (await api.createThread({ title: 'Drops' })).id;
  });
  afterAll(() => mesh.close());

  /** A stream whose sockets the test can reach, to drop them as a network would. */
  function streamTo(
    url: string,
    reconnect?: EventStreamOptions['reconnect'],
    token: () => string = () => auth.session!.access_token,
  ) {
    const sockets: WebSocket[] = [];
    const stream = new EventStream({
      url,
      token,
      connect: (socketUrl, protocols) => {
        const ws = new WebSocket(socketUrl, protocols);
        sockets.push(ws);
        return ws as unknown as WebSocketLike;
      },
      ...(reconnect !== undefined ? { reconnect } : {}),
    });
    const established = () =>
      new Promise<void>((resolve) => {
        const stop = stream.on('connection_established', () => {
          stop();
          resolve();
        });
      });
    return { stream, sockets, established };
  }

  /** The error that ends iterating `stream` (an Error saying so when it ends without one). */
  const iterationFailure = (stream: EventStream) =>
    (async () => {
      for await (const event of stream) void event;
    })().then(
      () => new Error('iteration ended without an error'),
      (error: unknown) => error as Error,
    );

  describe('when the socket drops with requests in flight', () => {
    it('rejects each with connection_lost, and answers again once reconnected', async () => {
      const { stream, sockets, established } = streamTo(mesh.backend.wsUrl, {
        minDelayMs: 20,
        maxDelayMs: 200,
      });
      await stream.connect();
      const reconnected = established();
      const pong = stream.ping();
      const accepted = stream.startRun({ threadId, agentName: 'calculator', input: 'x' });
      sockets[0]!.terminate(); // before either answer can have been read
      await expect(pong).rejects.toMatchObject({ code: 'connection_lost' });
      await expect(accepted).rejects.toMatchObject({ code: 'connection_lost' });
      await reconnected;
      await expect(stream.ping()).resolves.toMatchObject({ type: 'pong' });
      stream.close();
    });
  });

  describe('when the gateway goes away and reconnect is off', () => {
    it('ends iteration with connection_lost, and refuses requests without throwing', async () => {
      const other = await mesh.startAnotherBackend();
      const { stream } = streamTo(other.wsUrl, false);
      await stream.connect();
      const failure = iterationFailure(stream);
      await other.close();
      expect(await failure).toMatchObject({ code: 'connection_lost' });
      expect((await failure).message).toContain('1001');
      const refused = (() => {
        try {
          return stream.ping();
        } catch (error) {
          return Promise.resolve(`threw ${String(error)}`);
        }
      })();
      await expect(refused).rejects.toMatchObject({ code: 'not_connected' });
    });
  });

  describe('when its session ends (a logout) while the socket is open', () => {
    it('ends iteration with session_ended and does not reconnect', async () => {
      const bob = new AuthClient({ baseUrl: mesh.auth.url });
      await bob.register({
        email: 'bob-logs-out@example.com',
        password: 'correct horse battery',
        name: 'B',
      });
      const api = new BackendClient({ baseUrl: mesh.backend.url, session: bob });
      const thread = (await api.createThread({ title: 'Leaving' })).id;
      const token = bob.session!.access_token;
      const { stream, sockets } = streamTo(
        mesh.backend.wsUrl,
        { minDelayMs: 20, maxDelayMs: 200 },
        () => token,
      );
      await stream.connect();
      try {
        const closed = new Promise((resolve) => stream.on('closed', resolve));
        const failure = iterationFailure(stream);
        await bob.logout();

        await expect(
          stream.startRun({ threadId: thread, agentName: 'calculator', input: 'x' }),
        ).rejects.toMatchObject({ code: 'unauthorized' });
        // No reconnectInMs: the stream says it will not come back.
        expect(await closed).toEqual({ code: 4403, reason: expect.any(String) as string });
        expect(await failure).toMatchObject({ code: 'session_ended' });
        expect(sockets).toHaveLength(1);
      } finally {
        stream.close();
      }
    });
  });

  describe('when it is closed with a request in flight', () => {
    it('rejects it with stream_closed and ends iteration', async () => {
      const { stream } = streamTo(mesh.backend.wsUrl);
      await stream.connect();
      const iteration = (async () => {
        for await (const event of stream) void event;
        return 'ended';
      })();
      const pong = stream.ping();
      stream.close();
      await expect(pong).rejects.toMatchObject({ code: 'stream_closed' });
      await expect(iteration).resolves.toBe('ended');
    });
  });

  describe('when it reconnects with the default backoff', () => {
    it('waits the shortest delay again after each successful reconnect', async () => {
      const { stream, sockets, established } = streamTo(mesh.backend.wsUrl);
      await stream.connect();
      const delays: (number | undefined)[] = [];
      stream.on('closed', (closed) => delays.push(closed.reconnectInMs));
      for (let drop = 0; drop < 3; drop++) {
        const reconnected = established();
        sockets.at(-1)!.terminate();
        await reconnected;
      }
      expect(delays).toEqual([250, 250, 250]);
      expect(sockets).toHaveLength(4);
      stream.close();
    });
  });
});
