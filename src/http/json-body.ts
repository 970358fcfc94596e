import { isUtf8 } from 'node:buffer';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { MeshpactError, validationFailed } from '../errors/meshpact-error.js';
import { DEFAULT_MAX_DEPTH, jsonTextIssues } from './json-guard.js';
import { jsonSyntaxErrorAt } from './json-syntax.js';

const isJson = (type: string) =>
  /^application\/([a-z0-9.+-]+\+)?json$/i.test(type.split(';')[0]?.trim() ?? '');

export interface JsonBodyOptions {
  /** Bytes, after any Content-Encoding is undone. */
  limit: number;
  /** Levels of arrays and objects a body may nest (the root is level 1); DEFAULT_MAX_DEPTH when unset. */
  maxDepth?: number;
}

/**
 * Parses JSON bodies up to `limit` bytes and turns every way a body can be
 * wrong into a typed error: not JSON by content type (415), over the limit
 * (413), not UTF-8 or unparseable (400, with the position, never the text),
 * nested deeper than `maxDepth` or holding a string no store can keep (422
 * naming each place, see json-guard.ts). A request without a body (or with an
 * empty chunked one) passes with `body` undefined, and the route's schema
 * then decides whether one was required.
 */
export function jsonBody(options: JsonBodyOptions): (RequestHandler | ErrorRequestHandler)[] {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const parse = express.json({
    limit: options.limit,
    strict: false,
    type: isJsonRequest,
    // Decoding would turn bytes that are not UTF-8 into U+FFFD without a word.
    verify: (_req, _res, bytes, encoding) => {
      if (/^utf-?8$/i.test(encoding) && !isUtf8(bytes))
        throw Object.assign(new Error('not UTF-8'), { type: NOT_UTF8 });
    },
  });
  const checkType: RequestHandler = (req, _res, next) => {
    const type = req.headers['content-type'];
    if (type !== undefined && isJson(type)) return next();
    const refuse = () =>
      next(
        new MeshpactError(
          'unsupported_media_type',
          `request bodies must be application/json (got ${type === undefined ? 'no content type' : `"${type}"`})`,
        ),
      );
    if (Number(req.headers['content-length'] ?? 0) > 0) return refuse();
    if (req.headers['transfer-encoding'] === undefined) return next();
    // A chunked body may still be empty: proxies re-send a bodiless POST that
    // way. Only a byte of it makes the request one with a body of the wrong type.
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled || chunk.length === 0) return;
      settled = true;
      req.resume();
      refuse();
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      next();
    });
  };
  const translate: ErrorRequestHandler = (error: BodyParserError, _req, _res, next) => {
    // Refusals made before the body was read (a bad path or query) are already ours.
    if (error instanceof MeshpactError) {
      next(error);
      return;
    }
    switch (error.type) {
      case 'entity.too.large':
        next(
          new MeshpactError(
            'payload_too_large',
            `request bodies are limited to ${options.limit} bytes`,
          ),
        );
        return;
      case 'entity.parse.failed': {
        const at = typeof error.body === 'string' ? jsonSyntaxErrorAt(error.body) : undefined;
        next(
          new MeshpactError(
            'malformed_json',
            `the request body is not valid JSON${at === undefined ? '' : ` (at character ${at})`}`,
          ),
        );
        return;
      }
      case NOT_UTF8:
        next(new MeshpactError('malformed_json', 'the request body is not UTF-8 text'));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        next(new MeshpactError('unsupported_media_type', error.message));
        return;
      default:
        // Whatever else body-parser refuses as the client's fault (a body that does not
        // inflate as its Content-Encoding says, a length that does not match) is bad input.
        next(
          isClientError(error)
            ? new MeshpactError('malformed_json', 'the request body could not be read as sent')
            : error,
        );
    }
  };
  const guard: RequestHandler = (req, _res, next) => {
    const issues = req.body === undefined ? [] : jsonTextIssues(req.body, { maxDepth });
    if (issues.length > 0) throw validationFailed('request body', issues);
    next();
  };
  return [checkType, parse, translate, guard];
}

/** body-parser keeps the `type` of an error thrown by `verify`. */
const NOT_UTF8 = 'entity.not.utf8';

function isJsonRequest(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && isJson(type);
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** The text that failed to parse. */
  body?: unknown;
}

const isClientError = (error: BodyParserError) =>
  typeof error.status === 'number' && error.status >= 400 && error.status < 500;
