import { loadConfig, setting, type Env } from './config.js';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every meshpact process shares. */
export function loadRuntimeConfig(env: Env) {
  return loadConfig(env, {
    /** An external Postgres; unset means meshpact starts an embedded one. */
    databaseUrl: setting.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    logLevel: setting.oneOf('LOG_LEVEL', logLevels, 'info'),
  });
}

export type RuntimeConfig = ReturnType<typeof loadRuntimeConfig>;
