import { register } from '../../providers/auth/test-helpers.js';
import { startAuthForTest, type AuthUnderTest } from '../../providers/auth/testing.js';
import { RUN_ABANDONED } from '../../providers/backend/run-events.js';
import {
  apiFor,
  createThread,
  expectWellOrdered,
  TestSocket,
  waitForRun,
  type User,
} from '../../providers/backend/test-support.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import {
  buildCli,
  startBuilt,
  startMeshpact,
  type LongRunning,
} from '../support/meshpact-process.js';

// backend-api killed with SIGKILL mid-run, then started again on the same
// database: the run it was executing cannot go on, and must still end, with
// exactly one agent_completed, so that clients waiting for it stop waiting.

const client = 'backend-api:test-introspection-secret';

describe('backend-api killed mid-run', () => {
  let auth: AuthUnderTest;
  beforeAll(async () => {
    buildCli();
    auth = await startAuthForTest({ env: { AUTH_INTROSPECTION_CLIENTS: client } });
  }, 120_000);
  afterAll(() => auth.close());

  const started: LongRunning[] = [];
  afterEach(() => {
    for (const running of started.splice(0)) running.child.kill('SIGKILL');
  });
  const startBackend = async () => {
    const backend = startBuilt('dist/providers/backend/main.js', {
      DATABASE_URL: auth.postgres.connectionString,
      PORT: '0',
      AUTH_URL: auth.url,
      BACKEND_AUTH_CLIENT: client,
      // Slow enough to be mid-run when killed; a short lease so the run is ended soon after.
      RUNNER_STEP_DELAY_MS: '200',
      RUN_LEASE_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    started.push(backend);
    const [, url] = await backend.line(/^backend-api listening on (http:\/\/\S+)$/);
    return { backend, url: url! };
  };

  it('ends the run with one agent_completed failed once it is back, and `meshpact events --until-completed` ends', async () => {
    const session = await register(auth.url, 'alice@example.com');
    const token = session.access_token;
    const alice = (backendUrl: string): User => ({
      token,
      userId: session.user.id,
      tenantId: session.user.tenant_id,
      api: apiFor(backendUrl, token),
    });
    const first = await startBackend();
    const thread = await createThread(alice(first.url));
    const socket = await TestSocket.open(`${first.url.replace(/^http/, 'ws')}/ws`, token);
    socket.send({ type: 'subscribe', thread_id: thread });
    await socket.next((f) => f.type === 'subscribed');
    const runId = await socket.startRun(thread, 'Think hard [think 50]');
    await socket.next((f) => f.type === 'agent_thinking' && f.run_id === runId);

    first.backend.child.kill('SIGKILL');
    await first.backend.exited();
    const second = await startBackend();

    expect(await waitForRun(alice(second.url), runId)).toMatchObject({
      status: 'failed',
      final_response: RUN_ABANDONED,
    });
    const watcher = startMeshpact([
      'events',
      ...['--url', second.url, '--token', token, '--thread', thread],
      ...['--run', runId, '--after-seq', '0', '--until-completed'],
    ]);
    started.push(watcher);
    expect(await watcher.exited()).toBe(0);
    const events = watcher
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AgentEvent | { type: 'subscribed'; run_id: string })
      .filter(
        (frame): frame is AgentEvent => frame.type !== 'subscribed' && frame.run_id === runId,
      );
    const types = expectWellOrdered(events);
    expect(types.filter((type) => type === 'agent_completed')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ status: 'failed', final_response: RUN_ABANDONED });

    second.backend.child.kill('SIGTERM');
    expect(await second.backend.exited()).toBe(0);
  }, 120_000);
});
