import type { Problem } from '../schemas/types.generated.js';
import { errorCatalogue, problemType } from './catalogue.js';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { MeshpactError } from './meshpact-error.js';

export interface ProblemContext {
  instance?: string;
  traceId?: string;
}

// The bounds of common/problem.json. A detail quoting a 10,000-character name
// or an instance that is a 10,000-character URL would otherwise make the
// answer to bad input break its own schema.
const MAX_DETAIL = 4096;
const MAX_INSTANCE = 2048;
const MAX_ISSUE_PATH = 1024;
const MAX_ISSUE_MESSAGE = 1000;

const clip = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** `errors` of validation_failed, each issue within its bounds. */
function clipIssues(errors: unknown): unknown {
  if (!Array.isArray(errors)) return errors;
  return errors.map((issue: unknown) => {
    if (issue === null || typeof issue !== 'object') return issue;
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return {
      ...issue,
      ...(typeof path === 'string' ? { path: clip(path, MAX_ISSUE_PATH) } : {}),
      ...(typeof message === 'string' ? { message: clip(message, MAX_ISSUE_MESSAGE) } : {}),
    };
  });
}

/**
 * RFC 9457 problem details for any thrown value. Only a MeshpactError shows its
 * detail: anything else is an internal error whose message may hold secrets.
 * An instance too long for the schema is left out rather than cut, since a cut
 * URL names another resource.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): Problem {
  const known = knownError(error);
  const code = known?.code ?? 'internal_error';
  const problem: Problem = {
    ...known?.extensions,
    type: problemType(code),
    title: errorCatalogue[code].title,
    status: errorCatalogue[code].status,
    code,
    detail: clip(known?.message ?? 'An unexpected error occurred; it has been logged.', MAX_DETAIL),
  };
  if ('errors' in problem) problem.errors = clipIssues(problem.errors) as Problem['errors'];
  if (context.instance !== undefined && context.instance.length <= MAX_INSTANCE)
    problem.instance = context.instance;
  if (context.traceId !== undefined) problem.trace_id = context.traceId;
  return problem;
}

/**
 * `error` as a MeshpactError when it has a code of its own: a MeshpactError,
 * or a database out of reach (503 database_unavailable); otherwise undefined,
 * an internal error.
 */
export function knownError(error: unknown): MeshpactError | undefined {
  if (error instanceof MeshpactError) return error;
  if (!isDatabaseUnavailable(error)) return undefined;
  return new MeshpactError(
    'database_unavailable',
    'The database could not be reached; try again shortly.',
    // A restart takes seconds, and a pool waits up to 10 s for a connection.
    { cause: error, extensions: { retry_after: 5 } },
  );
}
