import {
  expectWellOrdered,
  startRun,
  TestSocket,
  type User,
} from '../../providers/backend/test-support.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';
import { eventually } from '../support/eventually.js';
import { request } from '../../providers/auth/test-helpers.js';
import { startRestartableMesh, type RestartableMesh } from './restartable-mesh.js';
import { soakSetting } from './soak-settings.js';

// `npm run test:soak`: Postgres is stopped and started again
// MESHPACT_SOAK_RESTARTS times (5) under auth-service and backend-api, each
// time with MESHPACT_SOAK_RUNS runs (3) in progress and three /ws clients
// following them, at a random moment of the runs and for a random time (up to
// 2 s). Each time both services say not ready while it is down and ready once
// it is back, and every run ends with exactly one agent_completed, its events
// reaching each client once each, in seq order, exactly as stored.

const RESTARTS = soakSetting('MESHPACT_SOAK_RESTARTS', 5, { max: 100 });
const RUNS = soakSetting('MESHPACT_SOAK_RUNS', 3, { max: 20 });
const WATCHERS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`auth-service and backend-api across ${RESTARTS} Postgres restarts`, () => {
  let mesh: RestartableMesh;
  let alice: User;
  beforeAll(async () => {
    mesh = await startRestartableMesh(100);
    alice = await mesh.signUp('alice@example.com');
  }, 60_000);
  afterAll(() => mesh?.close(), 60_000);

  it('recover each time, and end every run once with its events sent once each in order', async () => {
    const statuses: Record<string, number> = {};
    for (let cycle = 0; cycle < RESTARTS; cycle++) {
      const thread = await eventually('a thread can be created', async () => {
        const created = await alice.api.post('/api/threads', { title: `cycle ${cycle}` });
        return created.status === 201 ? String(created.body.id) : undefined;
      });
      const watchers = await Promise.all(
        Array.from({ length: WATCHERS }, async () => {
          const socket = await TestSocket.open(mesh.backend.wsUrl, alice.token);
          socket.send({ type: 'subscribe', thread_id: thread });
          await socket.next((f) => f.type === 'subscribed');
          return socket;
        }),
      );
      try {
        const runs: string[] = [];
        for (let r = 0; r < RUNS; r++)
          runs.push(await startRun(alice, thread, `[think ${3 + r}] [calc ${cycle}+${r}]`));
        await sleep(Math.random() * 800);
        await mesh.postgres.stopServer();
        for (const service of [mesh.auth.url, mesh.backend.url])
          expect((await request(service, 'GET', '/readyz')).status).toBe(503);
        await sleep(Math.random() * 2_000);
        await mesh.postgres.startServer();
        for (const service of [mesh.auth.url, mesh.backend.url])
          await eventually(`${service}/readyz answers 200`, async () =>
            (await request(service, 'GET', '/readyz')).status === 200 ? true : undefined,
          );

        for (const run of runs) {
          const stored = await eventually(`run ${run} ends`, async () => {
            const page = await request(
              mesh.backend.url,
              'GET',
              `/api/runs/${run}/events?limit=100`,
              {
                token: alice.token,
              },
            );
            const items = page.body.items as AgentEvent[] | undefined;
            return items?.at(-1)?.type === 'agent_completed' ? items : undefined;
          });
          expectWellOrdered(stored);
          expect(stored.filter((e) => e.type === 'agent_completed')).toHaveLength(1);
          const status = (stored.at(-1) as { status: string }).status;
          statuses[status] = (statuses[status] ?? 0) + 1;
          for (const socket of watchers) {
            await socket.next((f) => f.type === 'agent_completed' && f.run_id === run);
            expect(socket.events(run)).toEqual(stored);
            expect(socket.closed).toBeUndefined();
          }
        }
      } finally {
        for (const socket of watchers) socket.close();
      }
    }
    console.log(
      `postgres restart soak: ${RESTARTS} restarts, ${RESTARTS * RUNS} runs, ended ${JSON.stringify(statuses)}`,
    );
  }, 1_800_000);
});
