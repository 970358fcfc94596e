import { startMeshForTest, type MeshUnderTest } from '../../providers/backend/testing.js';
import {
  createThread,
  expectWellOrdered,
  signUp,
  startRun,
  storedEvents,
  TestSocket,
  waitForRun,
  type User,
} from '../../providers/backend/test-support.js';
import type { AgentEvent } from '../../src/schemas/types.generated.js';

// Many /ws clients over several tenants: each client connects with its
// tenant's token and subscribes to its tenant's thread, runs are started in
// every tenant, and each client must receive exactly its tenant's events: all
// of them, each once, in seq order, and none of another tenant.

export interface FanOut {
  clients: number;
  tenants: number;
  runsPerTenant: number;
}

interface Tenant {
  user: User;
  thread: string;
  runs: string[];
  sockets: TestSocket[];
}

/** How many handshakes are in flight at once: each asks auth-service about its token. */
const CONNECT_BATCH = 50;

/** auth-service and backend-api for a fan-out: limits raised for the load, none removed. */
export function startMeshForFanOut(fanOut: FanOut): Promise<MeshUnderTest> {
  return startMeshForTest({
    env: {
      RUNNER_STEP_DELAY_MS: '20',
      // Every handshake asks auth-service about its token; under a thousand of
      // them a call may wait its turn, and the default 2 s is for one caller.
      AUTH_TIMEOUT_MS: '20000',
      // All of a tenant's runs are started at once by one user.
      BACKEND_RUNS_PER_USER: String(Math.max(30, fanOut.runsPerTenant)),
      BACKEND_RUNS_PER_TENANT: String(Math.max(100, fanOut.runsPerTenant)),
    },
  });
}

export async function fanOut(mesh: MeshUnderTest, plan: FanOut): Promise<{ frames: number }> {
  const tenants: Tenant[] = await Promise.all(
    Array.from({ length: plan.tenants }, async (_, t) => {
      const user = await signUp(mesh, `tenant-${t}@example.com`);
      return { user, thread: await createThread(user, `tenant ${t}`), runs: [], sockets: [] };
    }),
  );
  const all: TestSocket[] = [];
  try {
    for (let first = 0; first < plan.clients; first += CONNECT_BATCH) {
      const batch = Array.from(
        { length: Math.min(CONNECT_BATCH, plan.clients - first) },
        async (_, i) => {
          const tenant = tenants[(first + i) % plan.tenants]!;
          const socket = await TestSocket.open(mesh.backend.wsUrl, tenant.user.token);
          all.push(socket);
          tenant.sockets.push(socket);
          socket.send({ type: 'subscribe', thread_id: tenant.thread });
          await socket.next((f) => f.type === 'subscribed');
        },
      );
      await Promise.all(batch);
    }
    expect(mesh.backend.gateway.size).toBe(plan.clients);

    await Promise.all(
      tenants.map(async (tenant, t) => {
        for (let r = 0; r < plan.runsPerTenant; r++)
          tenant.runs.push(
            await startRun(tenant.user, tenant.thread, `tenant ${t} run ${r} [calc ${t}*${r}]`),
          );
      }),
    );
    for (const tenant of tenants)
      for (const run of tenant.runs) await waitForRun(tenant.user, run, 120_000);

    let frames = 0;
    for (const tenant of tenants) {
      const stored = new Map<string, AgentEvent[]>();
      for (const run of tenant.runs) {
        const events = await storedEvents(tenant.user, run);
        expectWellOrdered(events);
        stored.set(run, events);
      }
      for (const socket of tenant.sockets) {
        for (const run of tenant.runs)
          await socket.next((f) => f.type === 'agent_completed' && f.run_id === run, 0, 120_000);
        const events = socket.frames.filter((f) => typeof f.run_id === 'string');
        // None of another tenant: every event is of this tenant's thread and runs.
        expect(new Set(events.map((f) => f.thread_id))).toEqual(new Set([tenant.thread]));
        expect(new Set(events.map((f) => f.run_id))).toEqual(new Set(tenant.runs));
        // All of this tenant's, each once and in seq order: exactly what is stored.
        for (const run of tenant.runs) expect(socket.events(run)).toEqual(stored.get(run));
        expect(socket.closed).toBeUndefined();
        frames += events.length;
      }
    }
    return { frames };
  } finally {
    for (const socket of all) socket.close();
  }
}

/** The fan-out test for `plan`, as the fast and the soak files both run it. */
export function describeFanOut(plan: FanOut, timeoutMs: number): void {
  describe(`the /ws gateway with ${plan.clients} clients over ${plan.tenants} tenants`, () => {
    let mesh: MeshUnderTest;
    beforeAll(async () => {
      mesh = await startMeshForFanOut(plan);
    }, 60_000);
    afterAll(() => mesh?.close(), 60_000);

    it(
      "sends each client exactly its tenant's events: all of them, each once, in seq order",
      async () => {
        const { frames } = await fanOut(mesh, plan);
        expect(frames).toBeGreaterThan(0);
      },
      timeoutMs,
    );
  });
}
