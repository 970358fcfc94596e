import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (one object a line) on stderr, leaving stdout to what a command
 * reports; services get a child logger with their name. Tests pass `silent`.
 */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: ['req.headers.authorization', '*.password', '*.refresh_token', '*.access_token'],
    },
    pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });
