import type { RequestHandler, Response } from 'express';
import type { Logger } from '../runtime/logger.js';
import { traceIdOf } from './access-log.js';
import { formatIssues, schemaRegistry, type SchemaName } from '../schemas/registry.js';
import type { SchemaTypes } from '../schemas/types.generated.js';

/**
 * Validates the request body against a schema in schemas/ before the route
 * sees it; a mismatch is a 422 `validation_failed` listing each issue.
 */
export function validBody(name: SchemaName): RequestHandler {
  const validator = schemaRegistry().validator(name);
  return (req, _res, next) => {
    validator.assert(req.body, 'request body');
    next();
  };
}

/**
 * What a service does when its own response breaks its schema: in tests the
 * response becomes a 500 so the test fails at the source; in production the
 * response is sent and the mismatch is logged.
 */
export type ResponseCheck = 'throw' | 'log';

export interface Responder {
  send<N extends SchemaName>(res: Response, status: number, name: N, body: SchemaTypes[N]): void;
}

export function createResponder(mode: ResponseCheck, logger: Logger): Responder {
  const registry = schemaRegistry();
  return {
    send(res, status, name, body) {
      const issues = registry.validator(name).issues(body);
      if (issues.length > 0) {
        const message = `response does not match ${name}: ${formatIssues(issues)}`;
        if (mode === 'throw') throw new Error(message);
        logger.error({ schema: name, issues, trace_id: traceIdOf(res) }, message);
      }
      res.status(status).json(body);
    },
  };
}
