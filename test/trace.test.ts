import { once } from 'node:events';
import { AuthClient, BackendClient, EventStream, UserAction } from '../consumers/web/index.js';
import type { AgentEvent } from '../src/schemas/types.generated.js';
import { builtServices } from './support/built-services.js';
import type { LongRunning } from './support/meshpact-process.js';

// One user action (sign up, open a thread, start a run and watch it) under
// one W3C trace, sent by the web SDK, as the logs of three processes show it:
// auth-service, backend-api, and a second backend process that serves only
// the /ws side (backend-events), which hears of the run through Postgres.

const client = 'backend-api:trace-test-secret';
const password = 'correct horse battery';

type Line = Record<string, unknown>;

describe('one user action across the mesh', () => {
  const services = builtServices();
  const start = async (service: 'auth' | 'backend', env: Record<string, string>) => {
    const running = services.start(service, {
      DATABASE_URL: services.connectionString(),
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...env,
    });
    const [, url] = await running.line(/listening on (http:\/\/\S+)$/);
    return { running, url: url! };
  };
  /** Stops a service and reads every line it logged (all of stderr is in once its pipe closes). */
  const logsOf = async (service: LongRunning): Promise<Line[]> => {
    const closed = once(service.child, 'close');
    service.child.kill('SIGTERM');
    expect(await closed).toEqual([0, null]);
    return service
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line);
  };

  it('is logged under one trace id by auth-service, backend-api and the /ws gateway', async () => {
    const auth = await start('auth', { AUTH_INTROSPECTION_CLIENTS: client });
    const backendEnv = { AUTH_URL: auth.url, BACKEND_AUTH_CLIENT: client };
    const backend = await start('backend', backendEnv);
    const events = await start('backend', backendEnv);

    const action = new UserAction();
    const traceparent = () => action.traceparent();
    const authClient = new AuthClient({ baseUrl: auth.url, traceparent });
    const user = await authClient.register({ email: 'trace@example.com', password, name: 'T' });
    const api = new BackendClient({ baseUrl: backend.url, session: authClient, traceparent });
    const thread = await api.createThread({ title: 'Sums' });
    const run = await api.startRun(thread.id, {
      agent_name: 'calculator',
      input: 'What is 6*7? [calc 6*7]',
    });
    const stream = new EventStream({
      url: `${events.url.replace(/^http/, 'ws')}/ws`,
      token: () => authClient.session!.access_token,
      reconnect: false,
    });
    await stream.connect();
    stream.subscribe(thread.id, { runId: run.id });
    const seen: AgentEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.type === 'agent_completed') break;
    }
    stream.close();
    const types = seen.map((event) => event.type);
    expect(types).toEqual([
      'agent_started',
      'agent_thinking',
      'tool_executing',
      'tool_completed',
      'agent_completed',
    ]);

    // Stopped in the reverse order of their start, each after those that call it.
    const eventLines = await logsOf(events.running);
    const backendLines = await logsOf(backend.running);
    const authLines = await logsOf(auth.running);
    const inTrace = (lines: Line[]) => lines.filter((line) => line.trace_id === action.traceId);
    const who = { user: user.user.id, tenant: user.user.tenant_id };

    // auth-service: the sign-up, and backend-api asking about the token for each write.
    expect(inTrace(authLines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'request', route: '/auth/register', status: 201, ...who }),
        expect.objectContaining({ msg: 'audit', action: 'POST /auth/register', ...who }),
        expect.objectContaining({
          msg: 'request',
          method: 'POST',
          route: '/auth/introspect',
          status: 200,
          client: 'backend-api',
        }),
      ]),
    );
    expect(inTrace(authLines).filter((line) => line.route === '/auth/introspect')).toHaveLength(2);

    // backend-api: each write's access and audit line, and the run it started.
    expect(inTrace(backendLines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'request', route: '/api/threads', status: 201, ...who }),
        expect.objectContaining({
          msg: 'audit',
          action: 'POST /api/threads',
          created: `/api/threads/${thread.id}`,
          ...who,
        }),
        expect.objectContaining({
          msg: 'request',
          route: '/api/threads/:threadId/runs',
          status: 202,
          ...who,
        }),
        expect.objectContaining({
          msg: 'audit',
          action: 'POST /api/threads/:threadId/runs',
          params: { threadId: thread.id },
          created: `/api/runs/${run.id}`,
          ...who,
        }),
        expect.objectContaining({ msg: 'run finished', run_id: run.id, status: 'succeeded' }),
      ]),
    );
    const stored = inTrace(backendLines).filter((line) => line.msg === 'run event stored');
    expect(stored.map((line) => line.type)).toEqual(types);

    // The /ws gateway of the other process: each of the run's event frames it sent.
    const frames = inTrace(eventLines).filter((line) => line.msg === 'frame');
    expect(frames.map((line) => [line.ws, line.type, line.run_id])).toEqual(
      types.map((type) => ['out', type, run.id]),
    );
    expect(frames[0]).toMatchObject(who);

    // And nothing of the credentials on the way.
    const everything = JSON.stringify([authLines, backendLines, eventLines]);
    for (const secret of [password, user.access_token, user.refresh_token, 'trace-test-secret'])
      expect(everything).not.toContain(secret);
  }, 120_000);
});
