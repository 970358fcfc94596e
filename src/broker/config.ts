import { loadConfig, setting, type Env, type Setting } from '../runtime/config.js';
import { logLevels } from '../runtime/runtime-config.js';

/** A comma-separated list, each item checked by `item`; the fallback when unset. */
function list<T>(
  variable: string,
  item: (raw: string) => T,
  fallback: readonly T[],
): Setting<readonly T[]> {
  return {
    variable,
    parse: (raw) =>
      Object.freeze(
        raw
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== '')
          .map(item),
      ),
    fallback: () => fallback,
  };
}

const scheme = (raw: string) => {
  if (!/^[a-z][a-z0-9+.-]*$/i.test(raw)) throw new Error(`has "${raw}", which is not a URL scheme`);
  return raw.toLowerCase();
};
const method = (raw: string) => {
  if (!/^[A-Za-z]+$/.test(raw)) throw new Error(`has "${raw}", which is not an HTTP method`);
  return raw.toUpperCase();
};
const host = (raw: string) => {
  if (!/^(\*\.)?[A-Za-z0-9.:[\]-]+$/.test(raw))
    throw new Error(`has "${raw}", which is neither a host name nor *.domain`);
  return raw.toLowerCase();
};
/** `true` or `false`; unset leaves the choice to the code reading it. */
const optionalFlag = (variable: string): Setting<boolean | undefined> => ({
  variable,
  parse: (raw) => {
    if (raw !== 'true' && raw !== 'false') throw new Error(`must be true or false (got "${raw}")`);
    return raw === 'true';
  },
  fallback: () => undefined,
});
const seconds = (raw: string) => {
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value > 86_400)
    throw new Error(`has "${raw}"; each delay is a number of seconds from 0 to 86400`);
  return value;
};

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
    /**
     * Webhooks. The Pact Broker allows only https and POST by default; meshpact's
     * broker mostly runs on localhost and in CI, so http is allowed too.
     */
    webhookSchemes: list('BROKER_WEBHOOK_SCHEMES', scheme, ['https', 'http']),
    webhookMethods: list('BROKER_WEBHOOK_METHODS', method, ['POST']),
    /** Empty: any host, and responses are left out of logs. Set: only these hosts, and responses are logged. */
    webhookHosts: list('BROKER_WEBHOOK_HOSTS', host, []),
    /** Whether webhooks may call loopback and link-local addresses; unset: only when the broker has no tokens. */
    webhookAllowLocal: optionalFlag('BROKER_WEBHOOK_ALLOW_LOCAL'),
    /** Seconds to wait before each retry of a failed webhook; one attempt more than delays. */
    webhookRetrySchedule: list(
      'BROKER_WEBHOOK_RETRY_SCHEDULE',
      seconds,
      [10, 60, 120, 300, 600, 1200],
    ),
    webhookTimeout: setting.integer('BROKER_WEBHOOK_TIMEOUT', { min: 1, max: 600 }, 15),
  });
}

export type BrokerConfig = ReturnType<typeof loadBrokerConfig>;
