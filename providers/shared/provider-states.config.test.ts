import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { loadAuthConfig } from '../auth/config.js';
import { loadBackendConfig } from '../backend/config.js';

const backendEnv = {
  AUTH_URL: 'http://127.0.0.1:4001',
  BACKEND_AUTH_CLIENT: 'backend-api:s3cret-one',
};

const failure = (load: () => unknown) => {
  try {
    load();
  } catch (error) {
    if (error instanceof MeshpactError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('the config loaded');
};

describe.each([
  ['auth-service', (env: Record<string, string>) => loadAuthConfig(env)],
  ['backend-api', (env: Record<string, string>) => loadBackendConfig({ ...backendEnv, ...env })],
])('PACT_PROVIDER_STATES of %s', (_service, load) => {
  it('is off unless asked for', () => {
    expect(load({}).providerStates).toBe(false);
    expect(load({ PACT_PROVIDER_STATES: 'off' }).providerStates).toBe(false);
    expect(load({ PACT_PROVIDER_STATES: 'on', NODE_ENV: 'test' }).providerStates).toBe(true);
  });

  it('names the variable when the value is neither on nor off', () => {
    expect(failure(() => load({ PACT_PROVIDER_STATES: 'yes' }))).toEqual({
      code: 'config_invalid',
      message: 'PACT_PROVIDER_STATES must be on or off (got "yes")',
    });
  });

  it('is refused in production config (NODE_ENV=production)', () => {
    const refused = failure(() => load({ PACT_PROVIDER_STATES: 'on', NODE_ENV: 'production' }));
    expect(refused.code).toBe('config_invalid');
    expect(refused.message).toMatch(
      /^PACT_PROVIDER_STATES must not be on with NODE_ENV=production/,
    );
    const off = load({ PACT_PROVIDER_STATES: 'off', NODE_ENV: 'production' });
    expect(off.providerStates).toBe(false);
  });
});
