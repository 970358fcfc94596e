import { loadConfig, setting, type Env, type Setting } from '../runtime/config.js';
import { logLevels } from '../runtime/runtime-config.js';

/** A list (comma-separated unless told), each item checked by `item`; the fallback when unset. */
function list<T>(
  variable: string,
  item: (raw: string) => T,
  fallback: readonly T[],
  separator: string | RegExp = ',',
): Setting<readonly T[]> {
  return {
    variable,
    parse: (raw) =>
      Object.freeze(
        raw
          .split(separator)
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

/**
 * A space-separated list of the URLs the broker is reached at, as the Pact
 * Broker reads PACT_BROKER_BASE_URL(S); each is kept without its trailing
 * slash, so that it compares equal to a request's own base URL.
 */
function baseUrlList(variable: string): Setting<readonly string[]> {
  // Messages never quote the value: a URL given here may hold a token.
  return list(
    variable,
    (raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error(
          'has an item that is not a URL (a base URL starts with https:// or http://)',
        );
      }
      const shown = `${url.origin}${url.pathname}`;
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`has "${shown}"; each base URL must be http:// or https://`);
      if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
        throw new Error(
          `has "${shown}" with a query, fragment or credentials, which a base URL has not`,
        );
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    },
    [],
    /\s+/,
  );
}

/** The broker's settings, from its environment variables (README lists them). */
export function loadBrokerConfig(env: Env) {
  const { baseUrls, baseUrl, publicUrl, ...settings } = loadConfig(env, {
    host: setting.string('BROKER_HOST', '127.0.0.1'),
    port: setting.integer('BROKER_PORT', { min: 0, max: 65535 }, 9292),
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    /**
     * The URLs clients reach the broker at, for the links it writes; the Pact
     * Broker reads both variables and puts PACT_BROKER_BASE_URLS first.
     * BROKER_PUBLIC_URL is meshpact's older name for PACT_BROKER_BASE_URL.
     */
    baseUrls: baseUrlList('PACT_BROKER_BASE_URLS'),
    baseUrl: baseUrlList('PACT_BROKER_BASE_URL'),
    publicUrl: baseUrlList('BROKER_PUBLIC_URL'),
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
  return Object.freeze({
    ...settings,
    /** Empty: links name the request's own host. One: always it. More: the one the request came in by (baseUrlFor). */
    baseUrls: Object.freeze([...new Set([...baseUrls, ...baseUrl, ...publicUrl])]),
  });
}

export type BrokerConfig = ReturnType<typeof loadBrokerConfig>;
