import type { Command } from 'commander';
import { BrokerClient } from '../broker/client.js';
import { loadBrokerClientConfig } from '../broker/client-config.js';
import type { Env } from '../runtime/config.js';

/** The broker flags every broker command takes, named as the Pact CLIs name them. */
export interface BrokerOptions {
  brokerBaseUrl?: string;
  brokerToken?: string;
}

export function addBrokerOptions(command: Command): Command {
  return command
    .option('-b, --broker-base-url <url>', 'the broker (env PACT_BROKER_BASE_URL)')
    .option('-k, --broker-token <token>', 'bearer token for the broker (env PACT_BROKER_TOKEN)');
}

/** The environment with the flags laid over it, so flags and variables are validated as one. */
export function brokerEnv(env: Env, options: BrokerOptions): Env {
  return {
    ...env,
    ...(options.brokerBaseUrl ? { PACT_BROKER_BASE_URL: options.brokerBaseUrl } : {}),
    ...(options.brokerToken ? { PACT_BROKER_TOKEN: options.brokerToken } : {}),
  };
}

/** A client for the broker the flags or environment name; none named is a configuration error. */
export function brokerClient(env: Env, options: BrokerOptions): BrokerClient {
  const config = loadBrokerClientConfig(brokerEnv(env, options));
  return new BrokerClient({ baseUrl: config.baseUrl, token: config.token });
}
