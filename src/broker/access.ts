import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { MeshpactError } from '../errors/meshpact-error.js';
import { bearerToken } from '../http/bearer.js';

export interface BrokerTokens {
  /** May read and write. */
  token?: string | undefined;
  /** May only read (and ask which pacts to verify). */
  readToken?: string | undefined;
}

const reads = new Set(['GET', 'HEAD', 'OPTIONS']);

function same(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * No tokens configured: the broker is open (for localhost). Otherwise each
 * request needs a bearer token: the read-write one for anything, the read-only
 * one for reads and for asking which pacts to verify.
 */
export function brokerAccess(tokens: BrokerTokens): RequestHandler {
  const open = tokens.token === undefined && tokens.readToken === undefined;
  return (req, res, next) => {
    if (open) return next();
    const given = bearerToken(req.headers.authorization);
    if (given !== undefined && same(given, tokens.token)) return next();
    if (given !== undefined && same(given, tokens.readToken)) {
      const asking = req.method === 'POST' && /\/for-verification$/.test(req.path);
      if (reads.has(req.method) || asking) return next();
      throw new MeshpactError(
        'forbidden',
        'this token may only read; writing needs the read-write token',
      );
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="meshpact-broker"');
    throw new MeshpactError(
      'unauthorized',
      given === undefined
        ? 'send Authorization: Bearer <broker token>'
        : 'the broker token is not one this broker knows',
    );
  };
}
