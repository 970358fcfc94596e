import type { Request } from 'express';
import type { ValidationIssue } from '../errors/meshpact-error.js';
import type { Problem } from '../schemas/types.generated.js';
import { HAL_JSON } from './hal.js';

// Errors as the Pact Broker's clients read them. Every error is the same
// problem document (code, detail, trace id); what differs by client is its
// media type, its status for a validation error, and the form of `errors`.

const PROBLEM_JSON = 'application/problem+json';

/**
 * As the Pact Broker chooses (ErrorHandlingMethods#error_response_content_type):
 * problem+json when the Accept header names it anywhere, HAL otherwise. Every
 * Pact client asks for HAL, and reads `errors` and `notices` only from a JSON
 * media type.
 */
export function brokerProblemMediaType(req: Request): string {
  return req.headers.accept?.includes(PROBLEM_JSON) ? `${PROBLEM_JSON};charset=utf-8` : HAL_JSON;
}

/**
 * The Pact Broker answers a request its contracts refuse with 400, whatever
 * the media type. To a HAL or JSON client it sends any `errors` as its
 * DryValidationErrorsFormatter does: a map from the field, dotted, to its
 * messages, an index in the path told in the message ("(at index 1)"). A
 * problem+json client keeps meshpact's list of `{path, message}`.
 */
export function asPactBrokerProblem(problem: Problem, mediaType: string): Problem {
  const adapted: Problem =
    problem.code === 'validation_failed' ? { ...problem, status: 400 } : problem;
  if (mediaType.startsWith(PROBLEM_JSON) || !Array.isArray(problem.errors)) return adapted;
  const issues = problem.errors as unknown[];
  if (!issues.every(isIssue)) return adapted;
  return { ...adapted, errors: errorsByField(issues) as unknown as Problem['errors'] };
}

const isIssue = (value: unknown): value is ValidationIssue =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ValidationIssue).path === 'string' &&
  typeof (value as ValidationIssue).message === 'string';

export function errorsByField(issues: readonly ValidationIssue[]): Record<string, string[]> {
  const byField: Record<string, string[]> = {};
  for (const { path, message } of issues) {
    const [field, text] = fieldOf(path, message);
    (byField[field] ??= []).push(text);
  }
  return byField;
}

/** `/consumer/name` → `consumer.name`; `/contracts/0/content` → `contracts`, "content … (at index 0)". */
function fieldOf(path: string, message: string): [string, string] {
  // A query or path parameter is named as sent (`q[][version]`), not as a pointer.
  if (!path.startsWith('/')) return [path || 'body', message];
  const segments = path
    .slice(1)
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const index = segments.findIndex((segment) => /^\d+$/.test(segment));
  if (segments.length === 0) return ['body', message];
  if (index <= 0) return [segments.join('.'), message];
  const rest = segments.slice(index + 1).join('.');
  return [
    segments.slice(0, index).join('.'),
    `${rest === '' ? '' : `${rest} `}${message} (at index ${segments[index]})`,
  ];
}
