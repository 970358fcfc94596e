import type { Queryable } from '../../runtime/db.js';

// Set-based lookups behind "pacts for verification": each returns, for the
// consumers of one provider (all, or one by name), the consumer versions a
// selector picks, in one query whatever the number of versions.

export interface PickedVersion {
  consumer_id: string;
  consumer_name: string;
  version_id: string;
  /** Why it was picked, for the selection's description (a branch, tag or environment). */
  via: string | null;
}

/**
 * A query over the provider's consumers (c, through their integration i), or
 * one of them when $2 names it: `joins` picks their versions, `columns` says
 * what to return.
 */
const overConsumers = (columns: string, joins: string) => `
  SELECT ${columns}
    FROM broker_integrations i
    JOIN broker_pacticipants c ON c.id = i.consumer_id
    ${joins}
   WHERE i.provider_id = $1 AND ($2::text IS NULL OR c.name = $2)`;

/** The head version of a branch of each consumer: a named one, each one's main branch, or every branch. */
export async function branchHeads(
  db: Queryable,
  providerId: string,
  consumer: string | null,
  branch: { name: string } | 'main' | 'all',
): Promise<PickedVersion[]> {
  const condition =
    branch === 'main' ? 'b.name = c.main_branch' : branch === 'all' ? 'true' : 'b.name = $3';
  const { rows } = await db.query<PickedVersion>(
    overConsumers(
      'c.id AS consumer_id, c.name AS consumer_name, head.version_id, b.name AS via',
      `JOIN broker_branches b ON b.pacticipant_id = c.id AND ${condition}
       CROSS JOIN LATERAL (SELECT version_id FROM broker_branch_versions
                            WHERE branch_id = b.id ORDER BY position DESC LIMIT 1) head`,
    ),
    typeof branch === 'object' ? [providerId, consumer, branch.name] : [providerId, consumer],
  );
  return rows;
}

/** Versions carrying a tag: the newest of each consumer, or all of them. */
export async function taggedVersions(
  db: Queryable,
  providerId: string,
  consumer: string | null,
  tag: string,
  latestOnly: boolean,
): Promise<PickedVersion[]> {
  const { rows } = await db.query<PickedVersion>(
    latestOnly
      ? overConsumers(
          'c.id AS consumer_id, c.name AS consumer_name, t.version_id, $3::text AS via',
          `CROSS JOIN LATERAL (SELECT version_id FROM broker_tags
                      WHERE pacticipant_id = c.id AND name = $3 ORDER BY version_position DESC LIMIT 1) t`,
        )
      : overConsumers(
          'c.id AS consumer_id, c.name AS consumer_name, t.version_id, $3::text AS via',
          `JOIN broker_tags t ON t.pacticipant_id = c.id AND t.name = $3`,
        ),
    [providerId, consumer, tag],
  );
  return rows;
}

/** Each consumer's newest version that has a pact with the provider. */
export async function latestWithPact(
  db: Queryable,
  providerId: string,
  consumer: string | null,
): Promise<PickedVersion[]> {
  const { rows } = await db.query<PickedVersion>(
    overConsumers(
      'c.id AS consumer_id, c.name AS consumer_name, p.consumer_version_id AS version_id, NULL AS via',
      `CROSS JOIN LATERAL (SELECT consumer_version_id FROM broker_pact_publications
                  WHERE provider_id = i.provider_id AND consumer_id = c.id
                  ORDER BY consumer_version_position DESC LIMIT 1) p`,
    ),
    [providerId, consumer],
  );
  return rows;
}

/** Versions currently deployed, or released and supported, in an environment (or in any). */
export async function versionsInEnvironments(
  db: Queryable,
  providerId: string,
  consumer: string | null,
  kind: 'deployed' | 'released',
  environment: string | null,
): Promise<PickedVersion[]> {
  const table = kind === 'deployed' ? 'broker_deployed_versions' : 'broker_released_versions';
  const current = kind === 'deployed' ? 'undeployed_at IS NULL' : 'support_ended_at IS NULL';
  const { rows } = await db.query<PickedVersion>(
    overConsumers(
      'DISTINCT c.id AS consumer_id, c.name AS consumer_name, d.version_id, e.name AS via',
      `JOIN ${table} d ON d.pacticipant_id = c.id AND d.${current}
       JOIN broker_environments e ON e.id = d.environment_id AND ($3::text IS NULL OR e.name = $3)`,
    ),
    [providerId, consumer, environment],
  );
  return rows;
}

export interface CandidatePact {
  consumer_id: string;
  consumer_name: string;
  consumer_version: string;
  consumer_version_position: string;
  pact_version_id: string;
  sha: string;
  created_at: Date;
}

/** The pacts the given consumer versions have with the provider, each with its version's id. */
export async function pactsOfVersions(
  db: Queryable,
  providerId: string,
  versionIds: string[],
): Promise<(CandidatePact & { consumer_version_id: string })[]> {
  if (versionIds.length === 0) return [];
  const { rows } = await db.query<CandidatePact & { consumer_version_id: string }>(
    `SELECT p.consumer_version_id, p.consumer_id, c.name AS consumer_name, v.number AS consumer_version,
            p.consumer_version_position, p.pact_version_id, pv.sha, p.updated_at AS created_at
       FROM broker_pact_publications p
       JOIN broker_versions v ON v.id = p.consumer_version_id
       JOIN broker_pacticipants c ON c.id = p.consumer_id
       JOIN broker_pact_versions pv ON pv.id = p.pact_version_id
      WHERE p.provider_id = $1 AND p.consumer_version_id = ANY($2::bigint[])`,
    [providerId, versionIds],
  );
  return rows;
}

/**
 * Of the given pact contents, those with a successful (non-WIP) verification
 * that counts for a provider branch: by a version on that branch, or by any
 * version before the branch existed. Without a branch: ever verified.
 */
export async function verifiedContents(
  db: Queryable,
  providerId: string,
  pactVersionIds: string[],
  scope: { branch?: string; tag?: string },
): Promise<Set<string>> {
  if (pactVersionIds.length === 0) return new Set();
  const { rows } = await db.query<{ pact_version_id: string }>(
    `SELECT DISTINCT vr.pact_version_id FROM broker_verifications vr
      WHERE vr.pact_version_id = ANY($2::bigint[]) AND vr.success AND NOT vr.wip
        AND CASE
          WHEN $3::text IS NOT NULL THEN
            EXISTS (SELECT 1 FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
                     WHERE bv.version_id = vr.provider_version_id AND b.pacticipant_id = $1 AND b.name = $3)
            OR vr.created_at < COALESCE(
                 (SELECT created_at FROM broker_branches WHERE pacticipant_id = $1 AND name = $3),
                 'infinity')
          WHEN $4::text IS NOT NULL THEN
            EXISTS (SELECT 1 FROM broker_tags t WHERE t.version_id = vr.provider_version_id AND t.name = $4)
          ELSE true
        END`,
    [providerId, pactVersionIds, scope.branch ?? null, scope.tag ?? null],
  );
  return new Set(rows.map((row) => row.pact_version_id));
}

/** Work-in-progress candidates: the pacts of the head of every consumer branch and the newest version of every tag, published since a date. */
export async function wipCandidates(
  db: Queryable,
  providerId: string,
  since: Date,
): Promise<(CandidatePact & { via: string })[]> {
  const { rows } = await db.query<CandidatePact & { via: string }>(
    `WITH heads AS (
       SELECT head.version_id, 'branch ' || b.name AS via
         FROM broker_integrations i
         JOIN broker_branches b ON b.pacticipant_id = i.consumer_id
         CROSS JOIN LATERAL (SELECT version_id FROM broker_branch_versions
                              WHERE branch_id = b.id ORDER BY position DESC LIMIT 1) head
        WHERE i.provider_id = $1
       UNION
       SELECT latest.version_id, 'tag ' || tags.name
         FROM broker_integrations i
         JOIN (SELECT DISTINCT pacticipant_id, name FROM broker_tags) tags ON tags.pacticipant_id = i.consumer_id
         CROSS JOIN LATERAL (SELECT version_id FROM broker_tags
                              WHERE pacticipant_id = tags.pacticipant_id AND name = tags.name
                              ORDER BY version_position DESC LIMIT 1) latest
        WHERE i.provider_id = $1)
     SELECT p.consumer_id, c.name AS consumer_name, v.number AS consumer_version,
            p.consumer_version_position, p.pact_version_id, pv.sha, p.updated_at AS created_at, heads.via
       FROM heads
       JOIN broker_pact_publications p ON p.consumer_version_id = heads.version_id AND p.provider_id = $1
       JOIN broker_versions v ON v.id = p.consumer_version_id
       JOIN broker_pacticipants c ON c.id = p.consumer_id
       JOIN broker_pact_versions pv ON pv.id = p.pact_version_id
      WHERE p.updated_at >= $2`,
    [providerId, since],
  );
  return rows;
}
