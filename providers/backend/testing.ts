import type { Clock } from '../../src/runtime/clock.js';
import { silentLogger, type Logger } from '../../src/runtime/logger.js';
import { startAuthForTest, type AuthUnderTest } from '../auth/testing.js';
import { loadBackendConfig } from './config.js';
import { start, type RunningBackend } from './server.js';

export interface MeshUnderTest {
  readonly auth: AuthUnderTest;
  readonly backend: RunningBackend;
  /** Starts another backend process on the same Postgres, as a second gateway would be. */
  startAnotherBackend(env?: Record<string, string>): Promise<RunningBackend>;
  close(): Promise<void>;
}

const INTROSPECTION_SECRET = 'test-introspection-secret';

/**
 * auth-service and backend-api on one real Postgres, on free ports, with
 * responses checked against their schemas (a mismatch is a 500). The runner's
 * step delay defaults to 0; pass RUNNER_STEP_DELAY_MS to watch runs unfold.
 */
export async function startMeshForTest(
  options: {
    env?: Record<string, string>;
    authEnv?: Record<string, string>;
    clock?: Clock;
    /** backend-api's logger; silent by default. */
    logger?: Logger;
  } = {},
): Promise<MeshUnderTest> {
  const clock = options.clock;
  const auth = await startAuthForTest({
    env: { AUTH_INTROSPECTION_CLIENTS: `backend-api:${INTROSPECTION_SECRET}`, ...options.authEnv },
    ...(clock ? { clock } : {}),
  });
  const started: RunningBackend[] = [];
  const startBackend = async (env: Record<string, string> = {}) => {
    const config = loadBackendConfig({
      AUTH_URL: auth.url,
      BACKEND_AUTH_CLIENT: `backend-api:${INTROSPECTION_SECRET}`,
      RUNNER_STEP_DELAY_MS: '0',
      LOG_LEVEL: 'silent',
      ...options.env,
      ...env,
    });
    const backend = await start(config, {
      connectionString: auth.postgres.connectionString,
      logger: options.logger ?? silentLogger,
      responseCheck: 'throw',
      ...(clock ? { clock } : {}),
    });
    started.push(backend);
    return backend;
  };
  try {
    const backend = await startBackend();
    return {
      auth,
      backend,
      startAnotherBackend: startBackend,
      async close() {
        for (const running of started.reverse()) await running.close();
        await auth.close();
      },
    };
  } catch (error) {
    for (const running of started) await running.close();
    await auth.close();
    throw error;
  }
}
