import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { MeshpactError } from '../errors/meshpact-error.js';
import { identify, notAWrite } from '../http/access-log.js';
import { bearerToken } from '../http/bearer.js';
import { checkPathParams } from './request-rules.js';

export interface BrokerTokens {
  /** May read and write. */
  token?: string | undefined;
  /** May only read (and ask which pacts to verify). */
  readToken?: string | undefined;
}

/** What a request may do, once its token is known. */
export type Access = 'read' | 'write';

function same(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const hasTokens = (tokens: BrokerTokens): boolean =>
  tokens.token !== undefined || tokens.readToken !== undefined;

/**
 * Who is asking. No tokens configured: the broker is open (for localhost) and
 * every request may write. Otherwise each request needs a bearer token (401
 * without one): the read-write one may write, the read-only one may read.
 * What a request may do is only recorded here; each route decides with
 * `reads` or `writes`, so no path shape can grant more than its route allows.
 */
export function brokerAuthentication(tokens: BrokerTokens): RequestHandler {
  const open = !hasTokens(tokens);
  return (req, res, next) => {
    const given = bearerToken(req.headers.authorization);
    const access: Access | undefined = open
      ? 'write'
      : given === undefined
        ? undefined
        : same(given, tokens.token)
          ? 'write'
          : same(given, tokens.readToken)
            ? 'read'
            : undefined;
    if (access !== undefined) {
      res.locals.brokerAccess = access;
      // The broker has no users: the log lines name the token (never its value) that was shown.
      identify(res, {
        client: open ? 'anyone' : access === 'write' ? 'read-write token' : 'read-only token',
      });
      return next();
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

function grant(res: Response, needed: Access): void {
  const access = res.locals.brokerAccess as Access | undefined;
  if (access === 'write' || (access === 'read' && needed === 'read')) return;
  throw new MeshpactError(
    'forbidden',
    access === 'read'
      ? 'this token may only read; writing needs the read-write token'
      : 'the request was not authenticated',
  );
}

/**
 * How every route begins (src/broker/access.test.ts checks that each does):
 * `reads` for a route any token may call, because it reads or only asks
 * (pacts for verification); `writes` for one that changes what the broker
 * holds or makes it call out, for the read-write token only. Then the path
 * parameters are checked, all of them before the route looks anything up.
 */
export const reads: RequestHandler = (req, res, next) => {
  grant(res, 'read');
  // A POST may only ask (pacts for verification): it changes nothing, so it is no audited write.
  notAWrite(res);
  checkPathParams(req);
  next();
};

export const writes: RequestHandler = (req, res, next) => {
  grant(res, 'write');
  checkPathParams(req);
  next();
};
