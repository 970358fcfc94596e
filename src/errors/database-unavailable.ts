/**
 * Whether `error` says the database could not be reached (stopped, restarting,
 * out of connections, unreachable), as opposed to refusing what was asked of
 * it. Such a failure is worth retrying later, and over HTTP it is a 503
 * `database_unavailable`, not a 500.
 *
 * node-postgres reports these three ways: the socket's own error codes
 * (ECONNREFUSED...), an SQLSTATE from the server (class 08, connection
 * exception; 57P01-57P03, the server shutting down or starting; 53300, too
 * many connections), and, for a connection that died under it or a pool that
 * waited in vain, plain messages without a code.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  if (typeof message === 'string' && LOST_CONNECTION.test(message)) return true;
  // Node's happy-eyeballs connect gives an AggregateError of one error per address.
  return error instanceof AggregateError && error.errors.some(isDatabaseUnavailable);
}

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

const LOST_CONNECTION =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;
