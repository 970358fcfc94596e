import type pg from 'pg';
import { systemClock } from '../../src/runtime/clock.js';
import { createPool } from '../../src/runtime/db.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { AgentRunner } from './runner.js';
import { startMeshForTest, type MeshUnderTest } from './testing.js';
import {
  createThread,
  expectWellOrdered,
  signUp,
  storedEvents,
  type User,
  insertQueuedRun,
} from './test-support.js';

describe('AgentRunner', () => {
  let mesh: MeshUnderTest;
  let alice: User;
  beforeAll(async () => {
    mesh = await startMeshForTest();
    alice = await signUp(mesh, 'alice@example.com');
  });
  afterAll(() => mesh.close());

  /** A run of alice's with `input`, executed to its end by a runner of its own on `db`. */
  const runToEnd = async (db: pg.Pool, input: string) => {
    const thread = await createThread(alice);
    const runner = new AgentRunner({
      db,
      clock: systemClock,
      logger: silentLogger,
      stepDelayMs: 0,
      leaseMs: 30_000,
    });
    const run = await insertQueuedRun(db, alice, thread, input);
    await runner.claim(db, run.id);
    runner.start(run);
    await runner.close();
    return run;
  };

  describe('when an event of a run cannot be stored', () => {
    it('ends the run as failed, with agent_started first and agent_completed last', async () => {
      const db = createPool(mesh.auth.postgres.connectionString);
      try {
        // Past the edge, which refuses it: jsonb cannot hold the lone surrogate
        // the run's task description carries, so its very first event fails.
        const run = await runToEnd(db, 'Sum \ud800 [calc 1+1]');

        const stored = (await alice.api.get(`/api/runs/${run.id}`)).body;
        expect(stored).toMatchObject({
          status: 'failed',
          final_response: 'The run failed: one of its events could not be stored.',
        });
        const events = await storedEvents(alice, run.id);
        expect(expectWellOrdered(events)).toEqual(['agent_started', 'agent_completed']);
        expect(events.at(-1)).toMatchObject({ status: 'failed' });
      } finally {
        await db.end();
      }
    });
  });

  describe('when a commit lands but its answer is lost', () => {
    it('writes that event once: the retry finds it before writing again', async () => {
      const db = createPool(mesh.auth.postgres.connectionString);
      // Injected into the real pool, since no server drops a connection on cue:
      // the second COMMIT goes through, and then its answer is "lost".
      let commits = 0;
      db.on('connect', (client) => {
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        client.query = ((...args: unknown[]) =>
          args.length === 1 && args[0] === 'COMMIT'
            ? query('COMMIT').then((result) => {
                if (++commits === 2) throw new Error('Connection terminated unexpectedly');
                return result;
              })
            : query(...args)) as typeof client.query;
      });
      try {
        const run = await runToEnd(db, 'What is 6*7? [calc 6*7]');

        expect(commits).toBeGreaterThan(2);
        const events = await storedEvents(alice, run.id);
        expect(expectWellOrdered(events)).toEqual([
          'agent_started',
          'agent_thinking',
          'tool_executing',
          'tool_completed',
          'agent_completed',
        ]);
        expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
      } finally {
        await db.end();
      }
    });
  });
});
