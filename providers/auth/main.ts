// auth-service as a process, started from its environment alone (README,
// "Running a service on its own"): `node dist/providers/auth/main.js`.
import { runService, serviceEnv } from '../shared/run-service.js';
import { loadAuthConfig } from './config.js';
import { start } from './server.js';

process.exitCode = await runService('auth-service', () =>
  start(loadAuthConfig(serviceEnv(process.env, 'AUTH'))),
);
