import { errorCatalogue, type ErrorCode } from './catalogue.js';

export interface ValidationIssue {
  path: string;
  message: string;
}

export interface MeshpactErrorOptions {
  cause?: unknown;
  /** Members added to the problem+json body, e.g. `errors` or `retry_after`. */
  extensions?: Record<string, unknown>;
}

/**
 * The one error type of meshpact: a stable code from the catalogue, a detail
 * for people, and optional problem+json extension members. Layers throw it;
 * the HTTP error handler, the WebSocket gateway and the CLI each turn it into
 * their own form in one place.
 */
export class MeshpactError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail: string, options: MeshpactErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshpactError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.extensions = Object.freeze({ ...options.extensions });
  }
}

export function validationFailed(what: string, issues: ValidationIssue[]): MeshpactError {
  const first = issues[0];
  const detail = first ? `${what}: ${first.path} ${first.message}` : `${what} is invalid`;
  return new MeshpactError('validation_failed', detail, { extensions: { errors: issues } });
}
