import { join } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';
import { startServiceProcess } from '../../src/runtime/service-process.js';

// A process that starts one service (a shell with a child, and a database of
// its own), prints `ready <url>`, and holds it until a signal ends it: how a
// verify worker or `meshpact verify` holds its services.

const fixture = join(packageRoot(), 'src/runtime/__fixtures__/echo-service.js');
const service = await startServiceProcess({
  name: 'held',
  start: {
    command: `sleep 300 & echo "sleeper $!"; node ${fixture}`,
    cwd: packageRoot(),
    env: {},
    port: 'auto',
    ready: { http: '/ready', timeoutMs: 30_000 },
    database: 'postgres',
    stopTimeoutMs: 5_000,
  },
  output: process.stdout,
});
console.log(`ready ${service.url}`);
setInterval(() => undefined, 60_000);
