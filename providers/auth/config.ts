import { isIP } from 'node:net';
import { loadConfig, setting, type Env } from '../../src/runtime/config.js';
import { logLevels } from '../../src/runtime/runtime-config.js';
import { providerStatesSwitch } from '../shared/provider-states.config.js';

/**
 * `name:secret` pairs, comma separated: the services allowed to call
 * /auth/introspect with HTTP Basic, e.g. `backend-api:s3cret`.
 */
function clients(variable: string) {
  return {
    variable,
    parse(raw: string): ReadonlyMap<string, string> {
      const map = new Map<string, string>();
      for (const pair of raw.split(',')) {
        const at = pair.indexOf(':');
        const name = pair.slice(0, at).trim();
        const secret = pair.slice(at + 1).trim();
        if (at < 1 || secret.length < 8) {
          throw new Error(
            'must be name:secret pairs, comma separated, each secret at least 8 characters',
          );
        }
        map.set(name, secret);
      }
      return map;
    },
    fallback: () => new Map<string, string>() as ReadonlyMap<string, string>,
  };
}

const proxyNames = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * The proxies whose X-Forwarded-For is believed, for express's `trust proxy`:
 * addresses or CIDR ranges (`10.0.0.0/8`, `::1`), or `loopback`, `linklocal`,
 * `uniquelocal`, comma separated. Unset: none, the socket address is the client.
 */
function trustedProxies(variable: string) {
  return {
    variable,
    parse(raw: string): readonly string[] {
      const entries = raw.split(',').map((entry) => entry.trim());
      for (const entry of entries) {
        const [address = '', prefix, extra] = entry.split('/');
        const family = isIP(address);
        const bits = family === 6 ? 128 : 32;
        const prefixOk =
          prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
        const known =
          proxyNames.includes(entry) || (family !== 0 && prefixOk && extra === undefined);
        if (!known) {
          throw new Error(
            `must be IP addresses or CIDR ranges, or ${proxyNames.join(', ')}, comma separated (got "${entry}")`,
          );
        }
      }
      return Object.freeze(entries);
    },
    fallback: () => Object.freeze([]) as readonly string[],
  };
}

/** auth-service settings, from its environment variables (README lists them). */
export function loadAuthConfig(env: Env) {
  return loadConfig(env, {
    host: setting.string('AUTH_HOST', '127.0.0.1'),
    port: setting.integer('AUTH_PORT', { min: 0, max: 65535 }, 0),
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    /** The `iss` of its tokens; defaults to the URL it listens on. */
    issuer: setting.optionalString('AUTH_ISSUER'),
    audience: setting.string('AUTH_AUDIENCE', 'meshpact'),
    accessTokenTtl: setting.integer('AUTH_ACCESS_TOKEN_TTL', { min: 30, max: 86_400 }, 900),
    refreshTokenTtl: setting.integer(
      'AUTH_REFRESH_TOKEN_TTL',
      { min: 60, max: 90 * 86_400 },
      30 * 86_400,
    ),
    introspectionClients: clients('AUTH_INTROSPECTION_CLIENTS'),
    loginMaxFailures: setting.integer('AUTH_LOGIN_MAX_FAILURES', { min: 1, max: 1000 }, 5),
    loginMaxPerEmail: setting.integer('AUTH_LOGIN_MAX_PER_EMAIL', { min: 1, max: 100_000 }, 25),
    loginWindow: setting.integer('AUTH_LOGIN_WINDOW', { min: 1, max: 86_400 }, 900),
    trustedProxies: trustedProxies('AUTH_TRUSTED_PROXIES'),
    logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'info'),
    providerStates: providerStatesSwitch(env),
  });
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

/** What the app itself needs (the rest is for start-up). */
export type AuthSettings = Pick<
  AuthConfig,
  | 'audience'
  | 'accessTokenTtl'
  | 'refreshTokenTtl'
  | 'introspectionClients'
  | 'loginMaxFailures'
  | 'loginMaxPerEmail'
  | 'loginWindow'
  | 'trustedProxies'
> & { issuer: string };
