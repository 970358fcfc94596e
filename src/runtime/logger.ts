import { types } from 'node:util';
import { pino, type DestinationStream, type Logger } from 'pino';
import { currentTrace } from './trace-context.js';

export type { Logger };

/**
 * JSON logs (one object a line) on stderr, leaving stdout to what a command
 * reports; services get a child logger with their name. Tests pass `silent`,
 * or a `destination` to read the lines back.
 *
 * What a line never holds: a request's body or header values, passwords,
 * tokens and secrets (redacted wherever they are named so), and anything of an
 * error beyond what `serializeError` keeps.
 *
 * A line written while a trace is current (a request, a socket frame, a run:
 * see trace-context.ts) carries its `trace_id`, unless the line names one itself.
 */
export function createLogger(options: {
  level: string;
  name?: string;
  destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name === undefined ? {} : { name: options.name }),
      serializers: { err: serializeError },
      mixin: traceOfLine,
      formatters: { log: serializeErrorsIn },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination(2),
  );
}

export const silentLogger: Logger = pino({ level: 'silent' });

function traceOfLine(): { trace_id?: string } {
  const trace = currentTrace();
  return trace ? { trace_id: trace.traceId } : {};
}

/** Members of a logged object whose value is censored as a whole, one level down too. */
const redactedPaths = [
  'headers',
  'body',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'secret',
].flatMap((key) => [key, `*.${key}`]);

/** An error as a log line carries it. */
export interface LoggedError {
  type: string;
  message?: string;
  code?: string;
  /** For a database error: the schema objects it names (never the values). */
  table?: string;
  column?: string;
  constraint?: string;
  stack?: string;
  cause?: LoggedError;
  errors?: LoggedError[];
}

const MAX_DEPTH = 3;
const MAX_ERRORS = 5;
const MAX_MESSAGE = 500;

/**
 * What a log keeps of an error: its class, its message with any quoted value
 * cut out, its code, the stack frames, and its cause (and an AggregateError's
 * errors) the same way. Everything else is left out on purpose: a Postgres
 * error's `where`, `detail`, `hint` and `internalQuery` quote the data that
 * failed (a webhook's Authorization header, a password), and so may whatever
 * another library hangs on its errors.
 */
export function serializeError(error: unknown, depth = 0): LoggedError {
  if (typeof error === 'string') return { type: 'string', message: withoutQuotedValues(error) };
  if (!isErrorLike(error)) return { type: error === null ? 'null' : typeof error };
  const logged: LoggedError = {
    type: error.constructor?.name || 'Error',
    message: withoutQuotedValues(error.message),
  };
  const code = error.code;
  if ((typeof code === 'string' || typeof code === 'number') && /^[\w.-]{1,64}$/.test(`${code}`))
    logged.code = String(code);
  for (const key of ['table', 'column', 'constraint'] as const) {
    const value = error[key];
    if (typeof value === 'string') logged[key] = value;
  }
  if (typeof error.stack === 'string') logged.stack = framesOf(error, logged.message!);
  if (depth < MAX_DEPTH) {
    if (error.cause !== undefined) logged.cause = serializeError(error.cause, depth + 1);
    if (Array.isArray(error.errors))
      logged.errors = error.errors
        .slice(0, MAX_ERRORS)
        .map((inner: unknown) => serializeError(inner, depth + 1));
  }
  return logged;
}

type ErrorLike = Error & Record<string, unknown>;

/** Duck-typed, since errors from another realm (a vm, a worker) fail `instanceof Error`. */
function isErrorLike(value: unknown): value is ErrorLike {
  return (
    types.isNativeError(value) ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { message?: unknown }).message === 'string')
  );
}

/**
 * A message with whatever a driver quotes cut out: Postgres quotes the value
 * it refused (`invalid input syntax for type uuid: "…"`) and JSON.parse the
 * text around its error. The value may hold quotes itself, so the cut runs
 * from the first quote to the last, or to the end when there is only one.
 */
export function withoutQuotedValues(message: string): string {
  const first = message.indexOf('"');
  const cut =
    first === -1
      ? message
      : `${message.slice(0, first)}"…"${first === message.lastIndexOf('"') ? '' : message.slice(message.lastIndexOf('"') + 1)}`;
  return cut.length > MAX_MESSAGE ? `${cut.slice(0, MAX_MESSAGE)}…` : cut;
}

/** The stack's frames under a header of the cleaned message (the stack repeats the raw one). */
function framesOf(error: ErrorLike, message: string): string {
  const frames = error.stack!.split('\n').filter((line) => /^\s+at /.test(line));
  return [`${String(error.name)}: ${message}`, ...frames].join('\n');
}

/** An error logged under another key than `err` is cut down the same way. */
function serializeErrorsIn(object: Record<string, unknown>): Record<string, unknown> {
  let result = object;
  for (const [key, value] of Object.entries(object)) {
    if (key !== 'err' && types.isNativeError(value)) {
      if (result === object) result = { ...object };
      result[key] = serializeError(value);
    }
  }
  return result;
}
