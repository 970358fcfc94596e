import type { Env, Setting } from '../../src/runtime/config.js';

export const PROVIDER_STATES_VARIABLE = 'PACT_PROVIDER_STATES';

/**
 * PACT_PROVIDER_STATES=on|off (off by default): whether the service serves its
 * provider states at POST /_pact/provider-states, for Pact verification. The
 * endpoint writes accounts and data on request, so it is refused in
 * production config (NODE_ENV=production): start-up fails naming the variable.
 */
export function providerStatesSwitch(env: Env): Setting<boolean> {
  return {
    variable: PROVIDER_STATES_VARIABLE,
    parse(raw) {
      if (raw !== 'on' && raw !== 'off') throw new Error(`must be on or off (got "${raw}")`);
      if (raw === 'on' && env.NODE_ENV === 'production')
        throw new Error(
          'must not be on with NODE_ENV=production: the provider-states endpoint writes data on request and is for verification only',
        );
      return raw === 'on';
    },
    fallback: () => false,
  };
}
