import type { MeshUnderTest } from '../../providers/backend/testing.js';
import { fanOut, startMeshForFanOut, type FanOut } from './tenant-fan-out.js';

// The fast version of the fan-out soak (tenant-fan-out.soak.test.ts): 100 /ws
// clients over 10 tenants, each receiving exactly its tenant's events.

const PLAN: FanOut = { clients: 100, tenants: 10, runsPerTenant: 2 };

describe('the /ws gateway with 100 clients over 10 tenants', () => {
  let mesh: MeshUnderTest;
  beforeAll(async () => {
    mesh = await startMeshForFanOut(PLAN);
  }, 60_000);
  afterAll(() => mesh?.close(), 60_000);

  it("sends each client exactly its tenant's events: all of them, each once, in seq order", async () => {
    const { frames } = await fanOut(mesh, PLAN);
    expect(frames).toBeGreaterThan(0);
  }, 120_000);
});
