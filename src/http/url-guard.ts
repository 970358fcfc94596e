import type { RequestHandler } from 'express';
import { MeshpactError, validationFailed } from '../errors/meshpact-error.js';
import { textIssue } from './json-guard.js';

/**
 * Refuses a URL whose path or query cannot be read as text, before any route
 * sees it: percent-encoding that is not UTF-8 (`%ED%A0%80`, `%C0%80`, `%zz`)
 * is 400 `malformed_url` (express's router would throw a URIError, and its
 * query parser would turn the bytes into U+FFFD), and a query name or value
 * holding NUL (`%00`) is 422 `validation_failed` naming the parameter. NUL in
 * a path parameter is the route's to refuse, by the parameter's name.
 *
 * `issuePath` names a query parameter in `errors[]`: a JSON pointer (`/limit`)
 * in the services, whose query schemas report so; the bare name (`limit`) on
 * the broker, whose parameter rules report so.
 */
export function urlGuard(
  issuePath: (name: string) => string = (name) => `/${name}`,
): RequestHandler {
  return (req, _res, next) => {
    const url = req.originalUrl;
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    for (const segment of path.split('/')) {
      if (decoded(segment) === undefined)
        throw new MeshpactError('malformed_url', 'the URL path is not percent-encoded UTF-8');
    }
    if (mark < 0) return next();
    for (const pair of url.slice(mark + 1).split('&')) {
      const equals = pair.indexOf('=');
      const rawName = equals < 0 ? pair : pair.slice(0, equals);
      const name = decoded(rawName.replaceAll('+', ' '));
      const value = equals < 0 ? '' : decoded(pair.slice(equals + 1).replaceAll('+', ' '));
      if (name === undefined || value === undefined)
        throw new MeshpactError(
          'malformed_url',
          `${describe(name)} of the query is not percent-encoded UTF-8`,
        );
      const issue = textIssue(name) ?? textIssue(value);
      if (issue)
        throw validationFailed('query', [
          { path: issuePath(nameable(name) ? name : ''), message: issue },
        ]);
    }
    next();
  };
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A parameter name worth echoing: short and plain, never the text that was refused. */
const nameable = (name: string) => /^[\w.[\]-]{1,64}$/.test(name);

function describe(name: string | undefined): string {
  return name !== undefined && nameable(name) ? `parameter "${name}"` : 'a parameter';
}
