import WebSocket from 'ws';
import { ManualClock } from '../../src/runtime/clock.js';
import { startMeshForTest, type MeshUnderTest } from '../../providers/backend/testing.js';
import { AuthClient } from './auth.js';
import { BackendClient } from './backend.js';
import { EventStream, type WebSocketLike } from './events.js';
import { hungServer } from '../../src/runtime/test-servers.js';
import { ApiError, NoAnswerError, UserAction } from './http.js';

// The SDK against the real services: what the contracts cannot show (retry, resume).

describe('web SDK against the real mesh', () => {
  const clock = new ManualClock(new Date());
  let mesh: MeshUnderTest;
  beforeAll(async () => {
    mesh = await startMeshForTest({
      clock,
      // One run per user and minute: each test starts its runs as a user of its own.
      env: { RUNNER_STEP_DELAY_MS: '60', BACKEND_RUNS_PER_USER: '1' },
    });
  });
  afterAll(() => mesh.close());

  describe('AuthClient', () => {
    it('refreshes once and retries when its access token has expired', async () => {
      const auth = new AuthClient({ baseUrl: mesh.auth.url });
      await auth.register({
        email: 'retry@example.com',
        password: 'correct horse battery',
        name: 'Retry',
      });
      const before = auth.session?.refresh_token;
      clock.advance(901);
      await expect(auth.me()).resolves.toMatchObject({ email: 'retry@example.com' });
      expect(auth.session?.refresh_token).not.toBe(before);
    });

    it('surfaces a problem as ApiError with its code', async () => {
      const auth = new AuthClient({ baseUrl: mesh.auth.url });
      const error = await auth
        .login({ email: 'nobody@example.com', password: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 401, code: 'invalid_credentials' });
    });

    it('sends the requests of one user action in its trace, which a problem names', async () => {
      const action = new UserAction();
      const auth = new AuthClient({
        baseUrl: mesh.auth.url,
        traceparent: () => action.traceparent(),
      });
      const refused = () =>
        auth.login({ email: 'nobody@example.com', password: 'x' }).catch((e: unknown) => e);
      expect(await refused()).toMatchObject({ problem: { trace_id: action.traceId } });
      expect(await refused()).toMatchObject({ problem: { trace_id: action.traceId } });
      // Without an action, each request is a trace of its own.
      const alone = new AuthClient({ baseUrl: mesh.auth.url });
      const traceOf = async () =>
        (
          (await alone
            .login({ email: 'nobody@example.com', password: 'x' })
            .catch((e: unknown) => e)) as ApiError
        ).problem?.trace_id;
      const [one, two] = [await traceOf(), await traceOf()];
      expect(one).toMatch(/^[0-9a-f]{32}$/);
      expect([one === two, one === action.traceId]).toEqual([false, false]);
    });
  });

  describe('against a service that accepts and never answers', () => {
    it('gives up after its timeout with NoAnswerError', async () => {
      const hung = await hungServer();
      try {
        const auth = new AuthClient({ baseUrl: hung.url, timeoutMs: 200 });
        const error = await auth
          .login({ email: 'alice@example.com', password: 'x' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NoAnswerError);
        expect([(error as NoAnswerError).code, (error as NoAnswerError).message]).toEqual([
          'no_answer',
          `POST ${hung.url}/auth/login: no answer within 200 ms`,
        ]);
      } finally {
        await hung.close();
      }
    });
  });

  describe('EventStream', () => {
    it('resumes after a dropped socket and yields every event of the run once, in order', async () => {
      const auth = new AuthClient({ baseUrl: mesh.auth.url });
      await auth.register({
        email: 'stream@example.com',
        password: 'correct horse battery',
        name: 'Stream',
      });
      const api = new BackendClient({ baseUrl: mesh.backend.url, session: auth });
      const thread = await api.createThread({ title: 'Streaming' });

      const sockets: WebSocket[] = [];
      const stream = new EventStream({
        url: mesh.backend.wsUrl,
        token: () => auth.session!.access_token,
        connect: (url, protocols) => {
          const ws = new WebSocket(url, protocols);
          sockets.push(ws);
          return ws as unknown as WebSocketLike;
        },
        reconnect: { minDelayMs: 20, maxDelayMs: 200 },
      });
      await stream.connect();
      const { run_id } = await stream.startRun({
        threadId: thread.id,
        agentName: 'calculator',
        input: '[think 6] [calc 6*7]',
      });

      const seqs: number[] = [];
      for await (const event of stream) {
        seqs.push(event.seq);
        if (event.seq === 3) sockets[0]?.terminate(); // the network drops mid-run
        if (event.type === 'agent_completed') break;
      }
      stream.close();
      expect(sockets.length).toBeGreaterThan(1);
      const stored = (await api.runEvents(run_id)).items.map((e) => e.seq);
      expect(seqs).toEqual(stored);
    });

    it('rejects a request the gateway refuses with the error frame code', async () => {
      const auth = new AuthClient({ baseUrl: mesh.auth.url });
      await auth.register({
        email: 'refused@example.com',
        password: 'correct horse battery',
        name: 'Refused',
      });
      const stream = new EventStream({
        url: mesh.backend.wsUrl,
        token: () => auth.session!.access_token,
        reconnect: false,
      });
      await stream.connect();
      const attempt = stream.startRun({
        threadId: '00000000-0000-4000-8000-000000000000',
        agentName: 'calculator',
        input: 'x',
      });
      await expect(attempt).rejects.toMatchObject({ code: 'thread_not_found' });
      await expect(stream.ping()).resolves.toMatchObject({ type: 'pong' });
      stream.close();
    });

    it('says when to retry a run past its limit, over HTTP and over the socket alike', async () => {
      const auth = new AuthClient({ baseUrl: mesh.auth.url });
      await auth.register({
        email: 'limited@example.com',
        password: 'correct horse battery',
        name: 'Limited',
      });
      const api = new BackendClient({ baseUrl: mesh.backend.url, session: auth });
      const thread = await api.createThread({ title: 'Limited' });
      const request = { agent_name: 'calculator', input: 'x' };
      await api.startRun(thread.id, request);
      const overHttp = await api.startRun(thread.id, request).catch((error: unknown) => error);
      expect(overHttp).toBeInstanceOf(ApiError);
      expect(overHttp).toMatchObject({ code: 'rate_limited', problem: { retry_after: 60 } });
      const stream = new EventStream({
        url: mesh.backend.wsUrl,
        token: () => auth.session!.access_token,
        reconnect: false,
      });
      await stream.connect();
      await expect(
        stream.startRun({ threadId: thread.id, agentName: 'calculator', input: 'x' }),
      ).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 60 });
      stream.close();
    });
  });
});
