import { soakSetting } from './soak-settings.js';
import { describeFanOut, type FanOut } from './tenant-fan-out.js';

// `npm run test:soak`: MESHPACT_SOAK_CLIENTS /ws clients (1000) over
// MESHPACT_SOAK_TENANTS tenants (10), MESHPACT_SOAK_RUNS runs per tenant (3),
// each client receiving exactly its tenant's events. Loopback only.

const PLAN: FanOut = {
  clients: soakSetting('MESHPACT_SOAK_CLIENTS', 1000, { max: 5000 }),
  tenants: soakSetting('MESHPACT_SOAK_TENANTS', 10, { max: 100 }),
  runsPerTenant: soakSetting('MESHPACT_SOAK_RUNS', 3, { max: 20 }),
};

describeFanOut(PLAN, 600_000);
