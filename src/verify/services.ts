import { randomBytes } from 'node:crypto';
import { loadAuthConfig } from '../../providers/auth/config.js';
import { start as startAuth } from '../../providers/auth/server.js';
import { loadBackendConfig } from '../../providers/backend/config.js';
import { start as startBackend } from '../../providers/backend/server.js';
import type { Mesh } from '../contracts/mesh.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { startPostgres } from '../runtime/postgres.js';
import { Supervisor } from '../runtime/supervisor.js';

/** A provider's real service, running for verification, and where it serves its states. */
export interface ProviderUnderVerification {
  provider: string;
  kind: 'http' | 'message';
  /** The HTTP service that is (or serves) the provider. */
  url: string;
  /** For a provider of WebSocket frames: its /ws endpoint. */
  wsUrl?: string;
  /** Its state-change endpoint (Pact's protocol): the services run with PACT_PROVIDER_STATES=on. */
  statesUrl: string;
  close(): Promise<void>;
}

/** Where the built-in services serve their states, as contracts/mesh.yaml's `states: { url }` says. */
const STATES_PATH = '/_pact/provider-states';

// Until services are started from their manifest command, the ones meshpact
// ships are started in process and known by their pacticipant name.
const builtInServices = new Map<string, 'auth' | 'backend'>([
  ['auth-service', 'auth'],
  ['backend-api', 'backend'],
]);

export interface StartProviderOptions {
  /** An external Postgres to create scratch databases on; embedded Postgres otherwise. */
  databaseUrl?: string;
  logger?: Logger;
}

/**
 * Starts what a pacticipant of contracts/mesh.yaml needs to be verified: its
 * service and the services that one depends on (backend-api needs
 * auth-service), each on a Postgres of its own, on free ports.
 */
export async function startProvider(
  mesh: Mesh,
  name: string,
  options: StartProviderOptions = {},
): Promise<ProviderUnderVerification> {
  const pacticipant = mesh.pacticipants.get(name);
  if (!pacticipant || pacticipant.kind === 'consumer')
    throw new MeshpactError('invalid_usage', `${name} is not a provider in contracts/mesh.yaml`);
  const server = pacticipant.servedBy ?? name;
  const service = builtInServices.get(server);
  if (!service)
    throw new MeshpactError(
      'config_invalid',
      `${mesh.file}: ${server} is not a service meshpact ships`,
    );
  const supervisor = new Supervisor();
  try {
    const auth = await startAuthService(supervisor, options);
    if (service === 'auth') return provider(name, pacticipant.kind, supervisor, { url: auth.url });
    const backend = await startBackendService(supervisor, auth, options);
    return provider(name, pacticipant.kind, supervisor, {
      url: backend.url,
      wsUrl: backend.wsUrl,
    });
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
}

function provider(
  name: string,
  kind: 'http' | 'message',
  supervisor: Supervisor,
  started: { url: string; wsUrl?: string },
): ProviderUnderVerification {
  return {
    provider: name,
    kind,
    ...started,
    statesUrl: `${started.url}${STATES_PATH}`,
    async close() {
      const problems = await supervisor.stop();
      if (problems.length > 0) throw new AggregateError(problems, 'stopping the services failed');
    },
  };
}

async function database(supervisor: Supervisor, options: StartProviderOptions) {
  const postgres = await startPostgres({
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    scratchDatabase: true,
  });
  supervisor.own('postgres', { close: () => postgres.stop() });
  return postgres.connectionString;
}

async function startAuthService(supervisor: Supervisor, options: StartProviderOptions) {
  const connectionString = await database(supervisor, options);
  // Only this verification's backend-api knows the secret.
  const client = `backend-api:${randomBytes(24).toString('base64url')}`;
  const config = loadAuthConfig({ AUTH_INTROSPECTION_CLIENTS: client, PACT_PROVIDER_STATES: 'on' });
  const running = supervisor.own(
    'auth-service',
    await startAuth(config, { connectionString, logger: options.logger ?? silentLogger }),
  );
  return { url: running.url, client };
}

async function startBackendService(
  supervisor: Supervisor,
  auth: { url: string; client: string },
  options: StartProviderOptions,
) {
  const connectionString = await database(supervisor, options);
  const config = loadBackendConfig({
    AUTH_URL: auth.url,
    BACKEND_AUTH_CLIENT: auth.client,
    // Verification watches whole runs; pauses between events would only slow it down.
    RUNNER_STEP_DELAY_MS: '0',
    // backend-api's account states are auth-service's, forwarded to its state endpoint.
    PACT_PROVIDER_STATES: 'on',
  });
  const running = supervisor.own(
    'backend-api',
    await startBackend(config, { connectionString, logger: options.logger ?? silentLogger }),
  );
  return { url: running.url, wsUrl: running.wsUrl };
}
