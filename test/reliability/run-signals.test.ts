import { eachStopsCleanly } from './interrupt-run.js';

// A signal at any moment of `meshpact run` stops everything it started. Each
// of these moments has something of its own running: a database being made,
// the consumers' jest beside the verify worker starting its services, the
// worker verifying the next provider. `npm run test:soak` sends every signal at every moment.

describe('meshpact run, stopped by a signal', () => {
  eachStopsCleanly([
    ['SIGTERM', 'starting Postgres'],
    ['SIGHUP', "running the consumers' contract tests"],
    ['SIGINT', 'verifying the next provider'],
  ]);
});
