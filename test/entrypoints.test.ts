import pg from 'pg';
import { builtServices } from './support/built-services.js';

// The services as processes, started from their environment alone, as a
// manifest's `start: { command }` starts them: `node dist/providers/…/main.js`.

const client = 'backend-api:entrypoint-secret';
const alice = { email: 'alice@example.com', password: 'correct horse battery', name: 'Alice' };

describe('the services started by command', () => {
  const services = builtServices();
  const start = (service: 'auth' | 'backend', env: Record<string, string>) =>
    services.start(service, { LOG_LEVEL: 'warn', ...env });
  const connectionsLeft = async () => {
    const db = new pg.Client({ connectionString: services.connectionString() });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return rows[0]?.n;
    } finally {
      await db.end();
    }
  };

  it('start on PORT with DATABASE_URL, serve their states, and stop on SIGTERM and SIGINT leaving nothing behind', async () => {
    const common = {
      DATABASE_URL: services.connectionString(),
      PORT: '0',
      PACT_PROVIDER_STATES: 'on',
    };
    const auth = start('auth', { ...common, AUTH_INTROSPECTION_CLIENTS: client });
    const [, authUrl] = await auth.line(/^auth-service listening on (http:\/\/127\.0\.0\.1:\d+)$/);
    const backend = start('backend', {
      ...common,
      AUTH_URL: authUrl!,
      BACKEND_AUTH_CLIENT: client,
    });
    const [, backendUrl] = await backend.line(/^backend-api listening on (http:\/\/\S+)$/);

    // The verifier's one call: backend-api asks auth-service's own states for alice.
    const session = await fetch(`${backendUrl}/_pact/provider-states`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        state: 'user alice@example.com is logged in',
        params: alice,
        action: 'setup',
      }),
    });
    expect(session.status).toBe(200);
    const { access_token } = (await session.json()) as { access_token: string };
    const threads = await fetch(`${backendUrl}/api/threads`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(threads.status).toBe(200);

    backend.child.kill('SIGTERM');
    expect(await backend.exited()).toBe(0);
    auth.child.kill('SIGINT');
    expect(await auth.exited()).toBe(0);
    // One line each on stdout (logs are on stderr); the ports and the pools are closed.
    expect(auth.stdout()).toBe(`auth-service listening on ${authUrl}\n`);
    expect(backend.stdout()).toBe(`backend-api listening on ${backendUrl}\n`);
    await expect(fetch(`${authUrl}/healthz`)).rejects.toThrow();
    expect(await connectionsLeft()).toBe(0);
  }, 60_000);

  it('refuse PACT_PROVIDER_STATES=on in production config, exiting 2 with the variable named', async () => {
    const auth = start('auth', {
      DATABASE_URL: services.connectionString(),
      NODE_ENV: 'production',
      PACT_PROVIDER_STATES: 'on',
    });
    expect(await auth.exited()).toBe(2);
    expect(auth.stderr()).toMatch(
      /^auth-service: PACT_PROVIDER_STATES must not be on with NODE_ENV=production/,
    );
    expect(auth.stdout()).toBe('');
  });

  it('exit 2 naming what is missing', async () => {
    const auth = start('auth', {});
    expect(await auth.exited()).toBe(2);
    expect(auth.stderr()).toMatch(/^auth-service: DATABASE_URL is required/);
    const backend = start('backend', { DATABASE_URL: services.connectionString() });
    expect(await backend.exited()).toBe(2);
    expect(backend.stderr()).toMatch(
      /^backend-api: AUTH_URL is required; BACKEND_AUTH_CLIENT is required/,
    );
  });
});
