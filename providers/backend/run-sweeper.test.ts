import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { systemClock } from '../../src/runtime/clock.js';
import { createPool, withTransaction } from '../../src/runtime/db.js';
import { silentLogger } from '../../src/runtime/logger.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { appendEvent, RUN_ABANDONED } from './run-events.js';
import { claimRuns } from './run-leases.js';
import { RunSweeper } from './run-sweeper.js';
import { AgentRunner } from './runner.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  expectWellOrdered,
  signUp,
  storedEvents,
  TestSocket,
  waitForRun,
  type User,
  insertQueuedRun,
} from './test-support.js';

// A lease of an hour: the mesh's own backend sweeps once at start-up and then
// not again during this file, so each test decides who sweeps, and when.
const LEASE_MS = 3_600_000;

describe('RunSweeper', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  let db: pg.Pool;
  beforeAll(async () => {
    mesh = await startMeshForTest({ env: { RUN_LEASE_MS: String(LEASE_MS) } });
    alice = await signUp(mesh, 'alice@example.com');
    db = createPool(mesh.auth.postgres.connectionString);
  });
  afterAll(async () => {
    await db.end();
    await mesh.close();
  });

  const sweeper = (pool = db) =>
    new RunSweeper({ db: pool, clock: systemClock, logger: silentLogger, leaseMs: LEASE_MS });

  /** Makes the run's lease lapse now, as it does when the backend holding it dies. */
  const lapse = (runId: string) =>
    db.query(
      "UPDATE backend_runs SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1",
      [runId],
    );

  /**
   * What a backend killed mid-run leaves: a run claimed by it, running, with
   * agent_started and `thinking` agent_thinking events stored, and a lease
   * that lapsed.
   */
  const crashedRun = async (threadId: string, thinking = 1) => {
    const at = new Date();
    const run = await insertQueuedRun(db, alice, threadId, `Think [think ${thinking + 1}]`);
    await withTransaction(db, async (trx) => {
      await claimRuns(trx, [run.id], randomUUID(), LEASE_MS);
      await appendEvent(trx, run, { type: 'agent_started', task_description: 'Think' }, at);
      for (let step = 1; step <= thinking; step++)
        await appendEvent(trx, run, { type: 'agent_thinking', step, reasoning: 'Hmm.' }, at);
    });
    await lapse(run.id);
    return run.id;
  };

  const completions = (events: AgentEvent[]) =>
    events.filter((event) => event.type === 'agent_completed');

  describe('when a backend starts and a run was left running by one that died', () => {
    it('ends the run with one agent_completed failed, delivered live to a subscribed socket', async () => {
      const thread = await createThread(alice);
      const runId = await crashedRun(thread, 2);
      const watcher = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      try {
        watcher.send({ type: 'subscribe', thread_id: thread, run_id: runId, after_seq: 0 });
        await watcher.next((f) => f.run_id === runId && f.seq === 3);

        // The restarted backend: its start-up sweep ends the run before it listens.
        await mesh.startAnotherBackend();

        await watcher.next((f) => f.type === 'agent_completed' && f.run_id === runId);
        const stored = await storedEvents(alice, runId);
        expect(expectWellOrdered(stored)).toEqual([
          'agent_started',
          'agent_thinking',
          'agent_thinking',
          'agent_completed',
        ]);
        expect(stored.at(-1)).toMatchObject({ status: 'failed', final_response: RUN_ABANDONED });
        expect(watcher.events(runId)).toEqual(stored);
        expect(await waitForRun(alice, runId)).toMatchObject({
          status: 'failed',
          final_response: RUN_ABANDONED,
        });
        const messages = (await alice.api.get(`/api/threads/${thread}/messages`)).body.items;
        expect(messages).toMatchObject([{ role: 'assistant', content: RUN_ABANDONED }]);
      } finally {
        watcher.close();
      }
    });
  });

  describe('when the dead backend had not stored agent_started yet', () => {
    it('writes agent_started, then agent_completed failed', async () => {
      const thread = await createThread(alice);
      const run = await insertQueuedRun(db, alice, thread, 'Sum [calc 1+1]');
      await claimRuns(db, [run.id], randomUUID(), LEASE_MS);
      await lapse(run.id);

      expect(await sweeper().sweep()).toBe(1);

      const stored = await storedEvents(alice, run.id);
      expect(expectWellOrdered(stored)).toEqual(['agent_started', 'agent_completed']);
      expect(stored.at(-1)).toMatchObject({ status: 'failed', final_response: RUN_ABANDONED });
    });
  });

  describe('when two backends sweep at once', () => {
    it('ends each lapsed run exactly once', async () => {
      const thread = await createThread(alice);
      const runIds: string[] = [];
      for (let i = 0; i < 6; i++) runIds.push(await crashedRun(thread));
      const other = createPool(mesh.auth.postgres.connectionString);
      try {
        const ended = await Promise.all([sweeper().sweep(), sweeper(other).sweep()]);
        expect(ended[0] + ended[1]).toBe(runIds.length);
      } finally {
        await other.end();
      }
      for (const runId of runIds) {
        const stored = await storedEvents(alice, runId);
        expectWellOrdered(stored);
        expect(completions(stored)).toHaveLength(1);
      }
    });
  });

  describe('when a live backend runs the run', () => {
    it('leaves it alone, and the run ends as its runner says', async () => {
      const backend = await mesh.startAnotherBackend({ RUNNER_STEP_DELAY_MS: '50' });
      const thread = await createThread(alice);
      const watcher = await TestSocket.open(backend.wsUrl, alice.token);
      try {
        watcher.send({ type: 'subscribe', thread_id: thread });
        await watcher.next((f) => f.type === 'subscribed');
        const runId = await watcher.startRun(thread, 'Think [think 5]');
        await watcher.next((f) => f.type === 'agent_started' && f.run_id === runId);

        expect(await sweeper().sweep()).toBe(0);

        expect(await waitForRun(alice, runId)).toMatchObject({ status: 'succeeded' });
        expect(completions(await storedEvents(alice, runId))).toHaveLength(1);
      } finally {
        watcher.close();
      }
    });
  });

  describe("when the run whose lease lapsed is still executed by this process's runner", () => {
    it('spares it: the runner renews the lease at its next beat', async () => {
      const thread = await createThread(alice);
      const runId = await crashedRun(thread);
      const own = new RunSweeper({
        db,
        clock: systemClock,
        logger: silentLogger,
        leaseMs: LEASE_MS,
        spares: (id) => id === runId,
      });
      expect(await own.sweep()).toBe(0);
      expect(completions(await storedEvents(alice, runId))).toEqual([]);
      // Any other sweeper ends it, as that runner may be gone for all it knows.
      expect(await sweeper().sweep()).toBe(1);
    });
  });

  describe('when a runner that is alive but stalled loses its lease', () => {
    it('writes nothing more once the sweeper has ended its run, not even its cancellation', async () => {
      const pool = createPool(mesh.auth.postgres.connectionString);
      // A minute between events: after agent_started the runner sits in its
      // pause, so nothing it does renews the lease the test lets lapse.
      const runner = new AgentRunner({
        db: pool,
        clock: systemClock,
        logger: silentLogger,
        stepDelayMs: 60_000,
        leaseMs: LEASE_MS,
      });
      const watcher = await TestSocket.open(mesh.backend.wsUrl, alice.token);
      try {
        const thread = await createThread(alice);
        watcher.send({ type: 'subscribe', thread_id: thread });
        await watcher.next((f) => f.type === 'subscribed');
        const run = await insertQueuedRun(db, alice, thread, 'Think [think 3]');
        await runner.claim(db, run.id);
        runner.start(run);
        await watcher.next((f) => f.type === 'agent_started' && f.run_id === run.id);
        await lapse(run.id);

        expect(await sweeper().sweep()).toBe(1);
        // Stopping now would end the run as cancelled; the runner finds it ended and writes nothing.
        await runner.close(0);

        const stored = await storedEvents(alice, run.id);
        expect(expectWellOrdered(stored)).toEqual(['agent_started', 'agent_completed']);
        expect(stored.at(-1)).toMatchObject({ status: 'failed', final_response: RUN_ABANDONED });
      } finally {
        watcher.close();
        await runner.close(0);
        await pool.end();
      }
    });
  });
});
