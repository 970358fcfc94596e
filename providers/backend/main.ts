// backend-api (and its /ws gateway) as a process, started from its environment
// alone (README, "Running a service on its own"): `node dist/providers/backend/main.js`.
import { runService, serviceEnv } from '../shared/run-service.js';
import { loadBackendConfig } from './config.js';
import { start } from './server.js';

process.exitCode = await runService('backend-api', () =>
  start(loadBackendConfig(serviceEnv(process.env, 'BACKEND'))),
);
