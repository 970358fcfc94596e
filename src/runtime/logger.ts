import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (one object a line) for machines; services get a child logger
 * with their name. Tests pass level `silent`.
 */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({
    level: options.level,
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: ['req.headers.authorization', '*.password', '*.refresh_token', '*.access_token'],
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });
