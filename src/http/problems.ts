import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { MeshpactError } from '../errors/meshpact-error.js';
import { toProblem } from '../errors/problem.js';
import type { Problem } from '../schemas/types.generated.js';
import type { Logger } from '../runtime/logger.js';
import { traceIdOf } from './access-log.js';

/** The last route: a path no route claims. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new MeshpactError('not_found', `no resource at ${req.method} ${req.path}`));
};

/** For `router.route(path).all(...)` after its methods: the path exists, the method does not. */
export function methodNotAllowed(...allowed: string[]): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Allow', allowed.join(', '));
    next(
      new MeshpactError(
        'method_not_allowed',
        `${req.method} is not allowed here; use ${allowed.join(' or ')}`,
      ),
    );
  };
}

/**
 * The one place an error becomes an HTTP response: RFC 9457 problem+json with
 * the error's stable code and the request's trace id. Unexpected errors are
 * logged with that trace id and code (see serializeError for what of them is
 * kept) and answered without their message.
 */
export interface ProblemHandlerOptions {
  /** The media type of the answer; problem+json when unset. */
  mediaType?(req: Request): string;
  /** Reshapes the document for that media type, e.g. for a client that expects another error form. */
  adapt?(problem: Problem, mediaType: string): Problem;
}

export function problemHandler(
  logger: Logger,
  options: ProblemHandlerOptions = {},
): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const trace = traceIdOf(res);
    const problem = toProblem(error, { instance: req.originalUrl, traceId: trace });
    if (!(error instanceof MeshpactError) || error.status >= 500) {
      logger.error(
        { err: error, trace_id: trace, code: problem.code, method: req.method, path: req.path },
        'request failed',
      );
    }
    const mediaType = options.mediaType?.(req) ?? PROBLEM_JSON;
    sendProblem(res, options.adapt ? options.adapt(problem, mediaType) : problem, mediaType);
  };
}

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/** Sends the document with `mediaType` exactly as given (a charset is added only when it has none). */
export function sendProblem(res: Response, problem: Problem, mediaType = PROBLEM_JSON): void {
  const retryAfter = problem.retry_after;
  if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
  res.statusCode = problem.status;
  res.setHeader(
    'Content-Type',
    /;\s*charset=/i.test(mediaType) ? mediaType : `${mediaType}; charset=utf-8`,
  );
  res.end(JSON.stringify(problem));
}
