import { loadAuthConfig } from '../../providers/auth/config.js';
import { start as startAuth, type RunningAuth } from '../../providers/auth/server.js';
import { register } from '../../providers/auth/test-helpers.js';
import { loadBackendConfig } from '../../providers/backend/config.js';
import { start as startBackend, type RunningBackend } from '../../providers/backend/server.js';
import { apiFor, type User } from '../../providers/backend/test-support.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/runtime/postgres.js';

// auth-service and backend-api in this process on one embedded Postgres that
// the test can stop and start again, as `meshpact up` hosts them.

export interface RestartableMesh {
  readonly postgres: EmbeddedPostgres;
  readonly auth: RunningAuth;
  readonly backend: RunningBackend;
  signUp(email: string): Promise<User>;
  close(): Promise<void>;
}

const CLIENT = 'backend-api:reliability-introspection';

export async function startRestartableMesh(stepDelayMs: number): Promise<RestartableMesh> {
  const postgres = await startEmbeddedPostgres();
  const connectionString = postgres.connectionString;
  const options = { connectionString, logger: silentLogger, responseCheck: 'throw' } as const;
  let auth: RunningAuth | undefined;
  let backend: RunningBackend | undefined;
  const close = async () => {
    await backend?.close();
    await auth?.close();
    await postgres.stop();
  };
  try {
    auth = await startAuth(
      loadAuthConfig({ AUTH_INTROSPECTION_CLIENTS: CLIENT, LOG_LEVEL: 'silent' }),
      options,
    );
    backend = await startBackend(
      loadBackendConfig({
        AUTH_URL: auth.url,
        BACKEND_AUTH_CLIENT: CLIENT,
        RUNNER_STEP_DELAY_MS: String(stepDelayMs),
        LOG_LEVEL: 'silent',
      }),
      options,
    );
  } catch (error) {
    await close();
    throw error;
  }
  const authUrl = auth.url;
  const backendUrl = backend.url;
  return {
    postgres,
    auth,
    backend,
    async signUp(email) {
      const session = await register(authUrl, email);
      return {
        token: session.access_token,
        userId: session.user.id,
        tenantId: session.user.tenant_id,
        api: apiFor(backendUrl, session.access_token),
      };
    },
    close,
  };
}
