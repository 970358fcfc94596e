import type { Problem } from '../schemas/types.generated.js';
import { errorCatalogue, problemType } from './catalogue.js';
import { MeshpactError } from './meshpact-error.js';

export interface ProblemContext {
  instance?: string;
  traceId?: string;
}

/**
 * RFC 9457 problem details for any thrown value. Only a MeshpactError shows its
 * detail: anything else is an internal error whose message may hold secrets.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): Problem {
  const known = error instanceof MeshpactError ? error : undefined;
  const code = known?.code ?? 'internal_error';
  const problem: Problem = {
    ...known?.extensions,
    type: problemType(code),
    title: errorCatalogue[code].title,
    status: errorCatalogue[code].status,
    code,
    detail: known?.message ?? 'An unexpected error occurred; it has been logged.',
  };
  if (context.instance !== undefined) problem.instance = context.instance;
  if (context.traceId !== undefined) problem.trace_id = context.traceId;
  return problem;
}
