import { MeshpactError } from '../errors/meshpact-error.js';
import { loadConfig, setting, type Env } from '../runtime/config.js';

/** Where a broker client finds its broker: PACT_BROKER_BASE_URL and PACT_BROKER_TOKEN, as the Pact CLIs read them. */
export function loadBrokerClientConfig(env: Env) {
  if (!env.PACT_BROKER_BASE_URL)
    throw new MeshpactError(
      'config_invalid',
      'no broker: give --broker-base-url or set PACT_BROKER_BASE_URL',
    );
  return loadConfig(env, {
    baseUrl: setting.url('PACT_BROKER_BASE_URL', ['http:', 'https:']),
    token: setting.optionalString('PACT_BROKER_TOKEN'),
  });
}

export type BrokerClientConfig = ReturnType<typeof loadBrokerClientConfig>;
