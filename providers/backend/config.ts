import { loadConfig, setting, type Env } from '../../src/runtime/config.js';
import { logLevels } from '../../src/runtime/runtime-config.js';
import { providerStatesSwitch } from '../shared/provider-states.config.js';

/** `name:secret`: how backend-api introduces itself to /auth/introspect. */
function client(variable: string) {
  return {
    variable,
    parse(raw: string) {
      const at = raw.indexOf(':');
      if (at < 1 || raw.length - at - 1 < 8)
        throw new Error('must be name:secret, the secret at least 8 characters');
      return { id: raw.slice(0, at), secret: raw.slice(at + 1) };
    },
  };
}

/** backend-api settings, from its environment variables (README lists them). */
export function loadBackendConfig(env: Env) {
  return loadConfig(env, {
    host: setting.string('BACKEND_HOST', '127.0.0.1'),
    port: setting.integer('BACKEND_PORT', { min: 0, max: 65535 }, 0),
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    /** auth-service's base URL: its JWKS and introspection live there. */
    authUrl: setting.url('AUTH_URL', ['http:', 'https:']),
    /** The `iss` auth-service puts in tokens; its URL unless it was configured otherwise. */
    authIssuer: setting.optionalString('AUTH_ISSUER'),
    authAudience: setting.string('AUTH_AUDIENCE', 'meshpact'),
    /** How long a call to auth-service (its keys, an introspection) may take before it is a 503. */
    authTimeoutMs: setting.integer('AUTH_TIMEOUT_MS', { min: 50, max: 60_000 }, 2_000),
    authClient: client('BACKEND_AUTH_CLIENT'),
    stepDelayMs: setting.integer('RUNNER_STEP_DELAY_MS', { min: 0, max: 60_000 }, 100),
    /**
     * How long a runner's claim on a run lasts unrenewed: a run whose backend
     * died is ended as failed this long after (plus a third of it at most).
     */
    runLeaseMs: setting.integer('RUN_LEASE_MS', { min: 300, max: 3_600_000 }, 30_000),
    maxPayload: setting.integer('WS_MAX_PAYLOAD', { min: 1024, max: 16 * 1024 * 1024 }, 64 * 1024),
    maxBuffered: setting.integer(
      'WS_MAX_BUFFERED',
      { min: 1024, max: 256 * 1024 * 1024 },
      1024 * 1024,
    ),
    heartbeatMs: setting.integer('WS_HEARTBEAT_MS', { min: 10, max: 600_000 }, 30_000),
    runLimitPerUser: setting.integer('BACKEND_RUNS_PER_USER', { min: 1, max: 1_000_000 }, 30),
    runLimitPerTenant: setting.integer('BACKEND_RUNS_PER_TENANT', { min: 1, max: 1_000_000 }, 100),
    runLimitWindow: setting.integer('BACKEND_RUNS_WINDOW', { min: 1, max: 86_400 }, 60),
    logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'info'),
    providerStates: providerStatesSwitch(env),
  });
}

export type BackendConfig = ReturnType<typeof loadBackendConfig>;
