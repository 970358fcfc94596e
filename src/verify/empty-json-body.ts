import type { RequestHandler } from 'express';

/**
 * pact-js's verifier proxy parses each request body, then forwards it only
 * when it is a non-empty object (parseBody in its proxy): a `{}` or `[]` body
 * is dropped while its Content-Length stays, so the provider waits for bytes
 * that never come and the interaction times out. As a request filter, this
 * hands such a body back as JSON bytes, which the proxy does forward.
 */
export const keepEmptyJsonBodies: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (
    body !== null &&
    typeof body === 'object' &&
    !Buffer.isBuffer(body) &&
    Object.keys(body).length === 0 &&
    Number(req.headers['content-length'] ?? 0) > 0
  ) {
    req.body = Buffer.from(JSON.stringify(body));
    // `{ }` arrives as three bytes and leaves as two; the header must say two.
    req.headers['content-length'] = String((req.body as Buffer).length);
  }
  next();
};
