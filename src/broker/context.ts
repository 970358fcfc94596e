import type { Request } from 'express';
import type pg from 'pg';
import { MeshpactError } from '../errors/meshpact-error.js';
import type { Clock } from '../runtime/clock.js';
import type { Queryable } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import { hrefsFor, type Hrefs } from './hal.js';
import { pathParam, queryInteger } from './request-rules.js';
import { findEnvironment, type EnvironmentRow } from './store/environments.js';
import { findPacticipant, type PacticipantRow } from './store/pacticipants.js';
import { findVersion, type VersionRow } from './store/versions.js';

/** What every route of the broker works with. */
export interface BrokerDeps {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** The URLs clients reach the broker at (hal.ts baseUrlFor picks one); the request's own when empty. */
  baseUrls?: readonly string[];
}

export const hrefsOf = (deps: BrokerDeps, req: Request): Hrefs =>
  hrefsFor(req, deps.baseUrls ?? []);

/**
 * How deep a broker document may nest (bodies, and pact content inside a
 * publication): a pact holds the request and response bodies of its
 * interactions, several levels down, so the services' bound is too tight.
 */
export const BROKER_MAX_DEPTH = 256;

/** A path parameter, decoded (express 5 gives them decoded) and checked against its rule (NUL is a control character it refuses). */
export function param(req: Request, name: string): string {
  const value = (req.params as Record<string, string | undefined>)[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return pathParam(name, value);
}

export async function requirePacticipant(db: Queryable, name: string): Promise<PacticipantRow> {
  const row = await findPacticipant(db, name);
  if (!row) throw new MeshpactError('not_found', `no pacticipant named "${name}"`);
  return row;
}

/** The provider and consumer a `/pacts/provider/:provider/consumer/:consumer/...` path names; not_found when either is missing. */
export async function requireProviderAndConsumer(
  db: Queryable,
  req: Request,
): Promise<{ provider: PacticipantRow; consumer: PacticipantRow }> {
  return {
    provider: await requirePacticipant(db, param(req, 'provider')),
    consumer: await requirePacticipant(db, param(req, 'consumer')),
  };
}

export async function requireVersion(
  db: Queryable,
  pacticipant: PacticipantRow,
  number: string,
): Promise<VersionRow> {
  const row = await findVersion(db, pacticipant.id, number);
  if (!row) throw new MeshpactError('not_found', `${pacticipant.name} has no version "${number}"`);
  return row;
}

export async function requireEnvironment(db: Queryable, uuid: string): Promise<EnvironmentRow> {
  const row = await findEnvironment(db, uuid);
  if (!row) throw new MeshpactError('not_found', `no environment with uuid "${uuid}"`);
  return row;
}

/** `page`/`size` (or `pageNumber`/`pageSize`), as the Pact Broker pages lists. */
export function paging(req: Request): {
  number: number;
  size: number;
  limit: number;
  offset: number;
} {
  const query = req.query as Record<string, unknown>;
  const bounds = { min: 1, max: 10_000 };
  const number = queryInteger('page', query.page ?? query.pageNumber, bounds, 1);
  const size = queryInteger('size', query.size ?? query.pageSize, bounds, 100);
  return { number, size, limit: size, offset: (number - 1) * size };
}

export function pageView(page: { number: number; size: number }, total: number) {
  return {
    number: page.number,
    size: page.size,
    totalElements: total,
    totalPages: Math.max(1, Math.ceil(total / page.size)),
  };
}
