import { loadAuthConfig } from '../auth/config.js';
import { loadBackendConfig } from '../backend/config.js';

const backendEnv = {
  AUTH_URL: 'http://127.0.0.1:4001',
  BACKEND_AUTH_CLIENT: 'backend-api:s3cret-one',
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
    expect(() => load({ PACT_PROVIDER_STATES: 'yes' })).toThrow(
      /^PACT_PROVIDER_STATES must be on or off \(got "yes"\)/,
    );
  });

  it('is refused in production config (NODE_ENV=production)', () => {
    let error: unknown;
    try {
      load({ PACT_PROVIDER_STATES: 'on', NODE_ENV: 'production' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(
        /^PACT_PROVIDER_STATES must not be on with NODE_ENV=production/,
      ),
    });
    expect(load({ PACT_PROVIDER_STATES: 'off', NODE_ENV: 'production' }).providerStates).toBe(
      false,
    );
  });
});
