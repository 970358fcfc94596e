import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { MeshpactError } from '../errors/meshpact-error.js';

const isJson = (type: string) =>
  /^application\/([a-z0-9.+-]+\+)?json$/i.test(type.split(';')[0]?.trim() ?? '');

/**
 * Parses JSON bodies up to `limit` bytes and turns every way a body can be
 * wrong into a typed error: not JSON by content type (415), over the limit
 * (413), unparseable (400). A request without a body (or with an empty
 * chunked one) passes with `body` undefined, and the route's schema then
 * decides whether one was required.
 */
export function jsonBody(options: { limit: number }): (RequestHandler | ErrorRequestHandler)[] {
  const parse = express.json({ limit: options.limit, strict: false, type: isJsonRequest });
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
    switch (error.type) {
      case 'entity.too.large':
        next(
          new MeshpactError(
            'payload_too_large',
            `request bodies are limited to ${options.limit} bytes`,
          ),
        );
        return;
      case 'entity.parse.failed':
        next(
          new MeshpactError(
            'malformed_json',
            `the request body is not valid JSON: ${error.message}`,
          ),
        );
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        next(new MeshpactError('unsupported_media_type', error.message));
        return;
      default:
        next(error);
    }
  };
  return [checkType, parse, translate];
}

function isJsonRequest(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  return typeof type === 'string' && isJson(type);
}

interface BodyParserError extends Error {
  type?: string;
}
