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
 * problem+json client keeps meshpact's list of `{path, message}`. An error
 * without `errors` also carries the Pact Broker's one-line `error`.
 */
export function asPactBrokerProblem(problem: Problem, mediaType: string): Problem {
  const adapted: Problem =
    problem.code === 'validation_failed' ? { ...problem, status: 400 } : problem;
  if (mediaType.startsWith(PROBLEM_JSON)) return adapted;
  // Any other refusal the Pact Broker words as `{"error": "..."}`.
  if (!('errors' in problem))
    return 'error' in problem ? adapted : { ...adapted, error: problem.detail };
  const issues = problem.errors as unknown;
  if (!Array.isArray(issues) || !issues.every(isIssue)) return adapted;
  return { ...adapted, errors: errorsByField(issues) as unknown as Problem['errors'] };
}

const isIssue = (value: unknown): value is ValidationIssue =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ValidationIssue).path === 'string' &&
  typeof (value as ValidationIssue).message === 'string';

export function errorsByField(issues: readonly ValidationIssue[]): Record<string, string[]> {
  // A Map, not an object: a field may be named `__proto__` or `constructor`.
  const byField = new Map<string, string[]>();
  for (const { path, message } of issues) {
    const [field, text] = fieldOf(path, message);
    byField.set(field, [...(byField.get(field) ?? []), text]);
  }
  return Object.fromEntries(byField);
}

/**
 * The key and message the Pact Broker's formatter gives an issue: the dotted
 * path, or with an index in it, the first member as the key and the rest of
 * the path before the message (`/contracts/0/content` → `contracts`,
 * "content … (at index 0)"; `/request/headers/0` → `request`, "headers … (at index 0)").
 */
function fieldOf(path: string, message: string): [string, string] {
  // A query or path parameter is named as sent (`q[][version]`), not as a pointer.
  if (!path.startsWith('/')) return [path || 'body', message];
  const segments = path
    .slice(1)
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
  const [first, ...after] = segments;
  if (first === undefined) return ['body', message];
  const index = after.find((segment) => /^\d+$/.test(segment));
  if (index === undefined) return [segments.join('.'), message];
  const rest = after.filter((segment) => segment !== index).join('.');
  return [first, `${rest === '' ? '' : `${rest} `}${message} (at index ${index})`];
}
