import { describeFanOut, type FanOut } from './tenant-fan-out.js';

// The fast version of the fan-out soak (tenant-fan-out.soak.test.ts): 100 /ws
// clients over 10 tenants, each receiving exactly its tenant's events.

const PLAN: FanOut = { clients: 100, tenants: 10, runsPerTenant: 2 };

describeFanOut(PLAN, 120_000);
