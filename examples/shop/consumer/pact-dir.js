import { fileURLToPath } from 'node:url';

/** Where the contract tests write their pacts: MESHPACT_PACT_DIR (meshpact sets it) or ../pacts. */
export const pactDir =
  process.env.MESHPACT_PACT_DIR ?? fileURLToPath(new URL('../pacts', import.meta.url));
