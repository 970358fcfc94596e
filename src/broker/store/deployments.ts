import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../runtime/db.js';
import type { VersionRow } from './versions.js';

// Deployments and releases of versions into environments. A deployment
// replaces what ran before in its environment and application instance (at
// most one version of a pacticipant is current there); releases accumulate
// (a mobile app has several versions in support at once), one record per
// version and environment.

/** Who and what a record is about, joined in for the views. */
interface Subject {
  pacticipant_name: string;
  version_number: string;
  version_created_at: Date;
}

export interface DeployedVersionRow extends Subject {
  id: string;
  uuid: string;
  version_id: string;
  pacticipant_id: string;
  environment_id: string;
  /** '' when the deployment names no application instance. */
  application_instance: string;
  created_at: Date;
  undeployed_at: Date | null;
}

export interface ReleasedVersionRow extends Subject {
  id: string;
  uuid: string;
  version_id: string;
  pacticipant_id: string;
  environment_id: string;
  created_at: Date;
  support_ended_at: Date | null;
}

const withSubject = (table: string) =>
  `SELECT r.*, p.name AS pacticipant_name, v.number AS version_number,
          v.created_at AS version_created_at
     FROM ${table} r
     JOIN broker_versions v ON v.id = r.version_id
     JOIN broker_pacticipants p ON p.id = r.pacticipant_id`;

const deployedById = (db: Queryable, id: string) =>
  db
    .query<DeployedVersionRow>(`${withSubject('broker_deployed_versions')} WHERE r.id = $1`, [id])
    .then(({ rows }) => rows[0]!);

/**
 * Records `version` as deployed to the environment and instance, inside the
 * caller's transaction. When it is the version already current there, that
 * record is returned unchanged; otherwise whatever of the pacticipant was
 * current there is marked undeployed. Recordings into one environment take
 * turns (a row lock on the environment), so two concurrent deployments
 * cannot both stay current.
 */
export async function recordDeployment(
  trx: Queryable,
  version: VersionRow,
  environmentId: string,
  applicationInstance: string,
  at: Date,
): Promise<DeployedVersionRow> {
  await trx.query('SELECT 1 FROM broker_environments WHERE id = $1 FOR NO KEY UPDATE', [
    environmentId,
  ]);
  const current = await trx.query<{ id: string; version_id: string }>(
    `SELECT id, version_id FROM broker_deployed_versions
      WHERE environment_id = $1 AND pacticipant_id = $2 AND application_instance = $3
        AND undeployed_at IS NULL`,
    [environmentId, version.pacticipant_id, applicationInstance],
  );
  const same = current.rows.find((row) => row.version_id === version.id);
  if (same) return deployedById(trx, same.id);
  if (current.rows.length > 0)
    await trx.query('UPDATE broker_deployed_versions SET undeployed_at = $2 WHERE id = ANY($1)', [
      current.rows.map((row) => row.id),
      at,
    ]);
  const { rows } = await trx.query<{ id: string }>(
    `INSERT INTO broker_deployed_versions
       (uuid, version_id, pacticipant_id, environment_id, application_instance, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [randomUUID(), version.id, version.pacticipant_id, environmentId, applicationInstance, at],
  );
  return deployedById(trx, rows[0]!.id);
}

export async function findDeployedVersion(
  db: Queryable,
  uuid: string,
): Promise<DeployedVersionRow | undefined> {
  const { rows } = await db.query<DeployedVersionRow>(
    `${withSubject('broker_deployed_versions')} WHERE r.uuid = $1`,
    [uuid],
  );
  return rows[0];
}

/** Marks the record undeployed (keeping the first time it was); undefined when there is none. */
export async function recordUndeployment(
  db: Queryable,
  uuid: string,
  at: Date,
): Promise<DeployedVersionRow | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE broker_deployed_versions SET undeployed_at = COALESCE(undeployed_at, $2)
      WHERE uuid = $1 RETURNING id`,
    [uuid, at],
  );
  return rows[0] ? deployedById(db, rows[0].id) : undefined;
}

/** What is deployed in the environment now; `applicationInstance: ''` means "no instance". */
export async function currentlyDeployed(
  db: Queryable,
  environmentId: string,
  filter: { pacticipant?: string | undefined; applicationInstance?: string | undefined },
): Promise<DeployedVersionRow[]> {
  const { rows } = await db.query<DeployedVersionRow>(
    `${withSubject('broker_deployed_versions')}
      WHERE r.environment_id = $1 AND r.undeployed_at IS NULL
        AND ($2::text IS NULL OR p.name = $2)
        AND ($3::text IS NULL OR r.application_instance = $3)
      ORDER BY p.name, r.application_instance, r.id`,
    [environmentId, filter.pacticipant ?? null, filter.applicationInstance ?? null],
  );
  return rows;
}

const releasedById = (db: Queryable, id: string) =>
  db
    .query<ReleasedVersionRow>(`${withSubject('broker_released_versions')} WHERE r.id = $1`, [id])
    .then(({ rows }) => rows[0]!);

/**
 * Records `version` as released to the environment, inside the caller's
 * transaction: a new record, or the existing one marked supported again.
 */
export async function recordRelease(
  trx: Queryable,
  version: VersionRow,
  environmentId: string,
  at: Date,
): Promise<{ row: ReleasedVersionRow; created: boolean }> {
  const inserted = await trx.query<{ id: string }>(
    `INSERT INTO broker_released_versions
       (uuid, version_id, pacticipant_id, environment_id, created_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (version_id, environment_id) DO NOTHING RETURNING id`,
    [randomUUID(), version.id, version.pacticipant_id, environmentId, at],
  );
  if (inserted.rows[0]) return { row: await releasedById(trx, inserted.rows[0].id), created: true };
  const { rows } = await trx.query<{ id: string }>(
    `UPDATE broker_released_versions SET support_ended_at = NULL
      WHERE version_id = $1 AND environment_id = $2 RETURNING id`,
    [version.id, environmentId],
  );
  return { row: await releasedById(trx, rows[0]!.id), created: false };
}

export async function findReleasedVersion(
  db: Queryable,
  uuid: string,
): Promise<ReleasedVersionRow | undefined> {
  const { rows } = await db.query<ReleasedVersionRow>(
    `${withSubject('broker_released_versions')} WHERE r.uuid = $1`,
    [uuid],
  );
  return rows[0];
}

/** Ends support for the release (keeping the first time it ended); undefined when there is none. */
export async function recordSupportEnded(
  db: Queryable,
  uuid: string,
  at: Date,
): Promise<ReleasedVersionRow | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE broker_released_versions SET support_ended_at = COALESCE(support_ended_at, $2)
      WHERE uuid = $1 RETURNING id`,
    [uuid, at],
  );
  return rows[0] ? releasedById(db, rows[0].id) : undefined;
}

/** The releases of the environment still in support. */
export async function currentlySupported(
  db: Queryable,
  environmentId: string,
  filter: { pacticipant?: string | undefined; version?: string | undefined },
): Promise<ReleasedVersionRow[]> {
  const { rows } = await db.query<ReleasedVersionRow>(
    `${withSubject('broker_released_versions')}
      WHERE r.environment_id = $1 AND r.support_ended_at IS NULL
        AND ($2::text IS NULL OR p.name = $2)
        AND ($3::text IS NULL OR v.number = $3)
      ORDER BY p.name, v.position`,
    [environmentId, filter.pacticipant ?? null, filter.version ?? null],
  );
  return rows;
}
