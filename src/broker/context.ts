import type { Request } from 'express';
import type pg from 'pg';
import { MeshpactError } from '../errors/meshpact-error.js';
import type { Clock } from '../runtime/clock.js';
import type { Queryable } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import { hrefsFor, type Hrefs } from './hal.js';
import { findEnvironment, type EnvironmentRow } from './store/environments.js';
import { findPacticipant, type PacticipantRow } from './store/pacticipants.js';
import { findVersion, type VersionRow } from './store/versions.js';

/** What every route of the broker works with. */
export interface BrokerDeps {
  db: pg.Pool;
  clock: Clock;
  logger: Logger;
  /** The URL clients reach the broker at; the request's own when unset. */
  publicUrl?: string | undefined;
}

export const hrefsOf = (deps: BrokerDeps, req: Request): Hrefs => hrefsFor(req, deps.publicUrl);

/** A path parameter, decoded (express 5 gives them decoded). */
export function param(req: Request, name: string): string {
  const value = (req.params as Record<string, string | undefined>)[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return value;
}

export async function requirePacticipant(db: Queryable, name: string): Promise<PacticipantRow> {
  const row = await findPacticipant(db, name);
  if (!row) throw new MeshpactError('not_found', `no pacticipant named "${name}"`);
  return row;
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
  const query = req.query as Record<string, string | undefined>;
  const whole = (raw: string | undefined, fallback: number, name: string) => {
    if (raw === undefined) return fallback;
    // Digits only: Number() would read `0x10` as 16 and `1e3` as 1000.
    const n = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 10_000)
      throw new MeshpactError(
        'validation_failed',
        `${name} must be a whole number from 1 to 10000`,
        {
          extensions: {
            errors: [{ path: name, message: 'must be a whole number from 1 to 10000' }],
          },
        },
      );
    return n;
  };
  const number = whole(query.page ?? query.pageNumber, 1, 'page');
  const size = whole(query.size ?? query.pageSize, 100, 'size');
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
