import type { Request, RequestHandler } from 'express';
import { validationFailed, type ValidationIssue } from '../errors/meshpact-error.js';
import { schemaRegistry, type SchemaName } from '../schemas/registry.js';

// The broker's one set of rules for what it is sent. A pacticipant name,
// version number, branch, tag or environment name follows
// schemas/broker/name.json wherever it comes from: every body schema refers to
// that file, and path parameters and query values are checked against it
// here. Path parameters are read only through `param` (context.ts), which asks
// `pathParam` and so cannot skip a rule; numbers in queries go through
// `queryInteger`. A value that breaks a rule is `validation_failed` (422)
// naming the parameter, before any query runs.

interface Rule {
  test(value: string): boolean;
  /** Says what a good value is, to whoever sent a bad one. */
  readonly message: string;
}

const schemaRule = (schema: SchemaName, message: string): Rule => ({
  test: (value) => schemaRegistry().validator(schema).is(value),
  message,
});

const nameRule = schemaRule(
  'broker/name',
  'must be 1 to 255 characters on one line, not blank, without control characters',
);
const instanceRule = schemaRule(
  'broker/application-instance',
  'must be up to 255 characters on one line, without control characters',
);

const pattern = (regex: RegExp, message: string): Rule => ({
  test: (value) => regex.test(value),
  message,
});

/** Every path parameter a broker route may declare, and its rule; a route with another name fails loudly. */
const pathRules: Readonly<Record<string, Rule>> = {
  name: nameRule,
  provider: nameRule,
  consumer: nameRule,
  version: nameRule,
  tag: nameRule,
  branch: nameRule,
  // An environment by uuid or by name: the Rust CLI sends the name where the Pact Broker's path says uuid (provider states).
  environment: nameRule,
  // Environments, deployments, releases, webhooks and triggered webhooks: the broker makes these ids.
  uuid: pattern(/^[A-Za-z0-9_-]{1,255}$/, 'must be 1 to 255 letters, digits, - or _'),
  sha: pattern(/^[A-Za-z0-9]{1,255}$/, "must be a pact's content SHA: letters and digits"),
  // A verification result's id: a bigint column, so no more than 18 digits.
  number: pattern(/^[1-9][0-9]{0,17}$/, 'must be a whole number from 1 to 999999999999999999'),
  // Base64url that the broker wrote (metadata.ts); only its alphabet is checked, its content is optional detail.
  metadata: pattern(/^[A-Za-z0-9_=-]{1,4096}$/, 'must be the metadata segment of a pact URL'),
};

/** A path parameter's value, checked against its rule. */
export function pathParam(name: string, value: string): string {
  const rule = pathRules[name];
  if (!rule) throw new Error(`no rule for the path parameter :${name} in request-rules.ts`);
  if (!rule.test(value)) throw invalid('path', name, rule.message);
  return value;
}

/** Checks every path parameter of the matched route, before it looks anything up (access.ts calls it). */
export function checkPathParams(req: Request): void {
  for (const [name, value] of Object.entries(req.params as Record<string, string>))
    pathParam(name, value);
}

/**
 * The Pact Broker's rule for a webhook uuid chosen by its client (`PUT /webhooks/{uuid}`),
 * stricter than for looking one up.
 */
export function webhookUuid(value: string): string {
  if (!/^[A-Za-z0-9_-]{16,255}$/.test(value))
    throw validationFailed('webhook', [
      { path: '/uuid', message: 'must be 16 to 255 letters, digits, - or _' },
    ]);
  return value;
}

/** A query value as express or `searchValue` give it: absent, once, or repeated. */
function once(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw invalid('query', name, 'must be given once, as one value');
  return raw;
}

/** `params.getAll(name)` as a query value. */
export const searchValue = (params: URLSearchParams, name: string): unknown => {
  const all = params.getAll(name);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
};

/**
 * A whole number from `min` to `max`, in decimal digits only: `1.5`, `1e3`,
 * `Infinity`, `-1`, an empty value and one past the bounds are refused, not
 * rounded or defaulted. Absent is `fallback`.
 */
export function queryInteger(
  name: string,
  raw: unknown,
  bounds: { min: number; max: number },
  fallback: number,
): number {
  const text = once(name, raw);
  if (text === undefined) return fallback;
  const message = `must be a whole number from ${bounds.min} to ${bounds.max}`;
  // Fifteen digits stay exact as a double; anything longer is out of bounds anyway.
  if (!/^[0-9]{1,15}$/.test(text)) throw invalid('query', name, message);
  const value = Number(text);
  if (value < bounds.min || value > bounds.max) throw invalid('query', name, message);
  return value;
}

/** A name in a query (a selector's pacticipant, version, tag...); absent or empty is undefined, as the Pact Broker reads it. */
export function queryName(name: string, raw: unknown): string | undefined {
  const text = once(name, raw);
  if (text === undefined || text === '') return undefined;
  if (!nameRule.test(text)) throw invalid('query', name, nameRule.message);
  return text;
}

/** An application instance in a query, where empty means "no instance"; absent is undefined. */
export function queryInstance(name: string, raw: unknown): string | undefined {
  const text = once(name, raw);
  if (text !== undefined && !instanceRule.test(text))
    throw invalid('query', name, instanceRule.message);
  return text;
}

/** One of `choices`; absent or empty is undefined. */
export function queryChoice<T extends string>(
  name: string,
  raw: unknown,
  choices: readonly T[],
): T | undefined {
  const text = once(name, raw);
  if (text === undefined || text === '') return undefined;
  if (!(choices as readonly string[]).includes(text))
    throw invalid('query', name, `must be one of ${choices.join(', ')}`);
  return text as T;
}

/** A body that must be a JSON object when there is one; absent is `{}`. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw validationFailed('request body', [{ path: '/', message: 'must be a JSON object' }]);
  return body as Record<string, unknown>;
}

/** For routes whose body may be left out: absent, or matching the schema. */
export function optionalBody(name: SchemaName): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined) schemaRegistry().validator(name).assert(req.body, 'request body');
    next();
  };
}

/** For routes that read nothing from their body (the Pact clients send `{}`): absent, or an object. */
export const ignoredBody: RequestHandler = (req, _res, next) => {
  objectBody(req.body);
  next();
};

function invalid(where: 'path' | 'query', name: string, message: string) {
  const issue: ValidationIssue = { path: name, message };
  return validationFailed(where === 'path' ? 'path parameter' : 'query parameter', [issue]);
}
