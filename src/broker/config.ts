import { loadConfig, setting, type Env } from '../runtime/config.js';
import { logLevels } from '../runtime/runtime-config.js';

/** The broker's settings, from its environment variables (README lists them). */
export function loadBrokerConfig(env: Env) {
  return loadConfig(env, {
    host: setting.string('BROKER_HOST', '127.0.0.1'),
    port: setting.integer('BROKER_PORT', { min: 0, max: 65535 }, 9292),
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    /** The URL clients reach the broker at, when it differs from what they send as Host. */
    publicUrl: setting.optionalUrl('BROKER_PUBLIC_URL', ['http:', 'https:']),
    /** With either token set, every request needs one: read-write may do anything, read-only may read. */
    token: setting.optionalString('PACT_BROKER_TOKEN'),
    readToken: setting.optionalString('PACT_BROKER_READ_TOKEN'),
    logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'info'),
  });
}

export type BrokerConfig = ReturnType<typeof loadBrokerConfig>;
