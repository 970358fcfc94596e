import type { Queryable } from '../../runtime/db.js';
import type { VersionRow } from './versions.js';

/** A published pact as it is served: content plus who and which version published it. */
export interface PactRow {
  publication_id: string;
  pact_version_id: string;
  consumer_id: string;
  provider_id: string;
  consumer_name: string;
  provider_name: string;
  consumer_version_id: string;
  consumer_version: string;
  sha: string;
  content: Record<string, unknown>;
  created_at: Date;
}

const selectPact = `
  SELECT p.id AS publication_id, p.pact_version_id, p.consumer_id, p.provider_id,
         c.name AS consumer_name, pr.name AS provider_name,
         p.consumer_version_id, v.number AS consumer_version,
         pv.sha, pv.content, p.updated_at AS created_at
    FROM broker_pact_publications p
    JOIN broker_pact_versions pv ON pv.id = p.pact_version_id
    JOIN broker_versions v ON v.id = p.consumer_version_id
    JOIN broker_pacticipants c ON c.id = p.consumer_id
    JOIN broker_pacticipants pr ON pr.id = p.provider_id`;

/** Stores the content once per consumer, provider and SHA; returns its id. */
export async function storePactContent(
  db: Queryable,
  pact: { consumerId: string; providerId: string; sha: string; content: unknown },
  at: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO broker_pact_versions (consumer_id, provider_id, sha, content, created_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (consumer_id, provider_id, sha) DO UPDATE SET sha = EXCLUDED.sha
     RETURNING id`,
    [pact.consumerId, pact.providerId, pact.sha, JSON.stringify(pact.content), at],
  );
  return rows[0]!.id;
}

/** The pact a consumer version has with a provider, if it published one. */
export async function findPublication(
  db: Queryable,
  consumerVersionId: string,
  providerId: string,
): Promise<PactRow | undefined> {
  const { rows } = await db.query<PactRow>(
    `${selectPact} WHERE p.consumer_version_id = $1 AND p.provider_id = $2`,
    [consumerVersionId, providerId],
  );
  return rows[0];
}

/** Publishes (or revises) the pact of a consumer version with a provider. */
export async function publishPact(
  db: Queryable,
  version: VersionRow,
  providerId: string,
  pactVersionId: string,
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO broker_pact_publications
       (consumer_version_id, provider_id, pact_version_id, consumer_id, consumer_version_position,
        created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (consumer_version_id, provider_id) DO UPDATE
       SET pact_version_id = EXCLUDED.pact_version_id,
           revision = broker_pact_publications.revision + 1,
           updated_at = EXCLUDED.updated_at`,
    [version.id, providerId, pactVersionId, version.pacticipant_id, version.position, at],
  );
  await db.query(
    `INSERT INTO broker_integrations (consumer_id, provider_id, created_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [version.pacticipant_id, providerId, at],
  );
}

export async function deletePublication(db: Queryable, publicationId: string): Promise<void> {
  await db.query('DELETE FROM broker_pact_publications WHERE id = $1', [publicationId]);
}

/** The pact of a consumer version by its number. */
export async function pactOfVersion(
  db: Queryable,
  providerId: string,
  consumerId: string,
  versionNumber: string,
): Promise<PactRow | undefined> {
  const { rows } = await db.query<PactRow>(
    `${selectPact} WHERE p.provider_id = $1 AND p.consumer_id = $2 AND v.number = $3`,
    [providerId, consumerId, versionNumber],
  );
  return rows[0];
}

/**
 * The newest pact between the two (by consumer version order): of all
 * versions, of versions with a tag, of untagged versions, or of a branch.
 */
export async function latestPact(
  db: Queryable,
  providerId: string,
  consumerId: string,
  scope: { tag?: string; branch?: string; untagged?: boolean } = {},
): Promise<PactRow | undefined> {
  const { rows } = await db.query<PactRow>(
    `${selectPact}
      WHERE p.provider_id = $1 AND p.consumer_id = $2
        AND ($3::text IS NULL OR EXISTS (
              SELECT 1 FROM broker_tags t WHERE t.version_id = p.consumer_version_id AND t.name = $3))
        AND ($4::text IS NULL OR EXISTS (
              SELECT 1 FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
               WHERE bv.version_id = p.consumer_version_id AND b.name = $4))
        AND (NOT $5 OR NOT EXISTS (
              SELECT 1 FROM broker_tags t WHERE t.version_id = p.consumer_version_id))
      ORDER BY p.consumer_version_position DESC LIMIT 1`,
    [providerId, consumerId, scope.tag ?? null, scope.branch ?? null, scope.untagged ?? false],
  );
  return rows[0];
}

/** The content SHA of the newest pact between the two, without reading the content. */
export async function latestPactSha(
  db: Queryable,
  providerId: string,
  consumerId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ sha: string }>(
    `SELECT pv.sha FROM broker_pact_publications p
       JOIN broker_pact_versions pv ON pv.id = p.pact_version_id
      WHERE p.provider_id = $1 AND p.consumer_id = $2
      ORDER BY p.consumer_version_position DESC LIMIT 1`,
    [providerId, consumerId],
  );
  return rows[0]?.sha;
}

/** Pact content by SHA, as published by the newest consumer version that has it. */
export async function pactBySha(
  db: Queryable,
  providerId: string,
  consumerId: string,
  sha: string,
): Promise<PactRow | undefined> {
  const { rows } = await db.query<PactRow>(
    `${selectPact} WHERE p.provider_id = $1 AND p.consumer_id = $2 AND pv.sha = $3
      ORDER BY p.consumer_version_position DESC LIMIT 1`,
    [providerId, consumerId, sha],
  );
  return rows[0];
}

/**
 * A provider's pacts, one per consumer version, newest first within each
 * consumer: of every version, of versions with a tag, of versions on a branch,
 * or of versions on each consumer's own main branch. With `latest`, only each
 * consumer's newest of those.
 */
export async function providerPacts(
  db: Queryable,
  providerId: string,
  scope: { tag?: string; branch?: string; mainBranch?: boolean; latest?: boolean } = {},
): Promise<PactRow[]> {
  const onBranch = (name: string) => `EXISTS (
    SELECT 1 FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
     WHERE bv.version_id = p.consumer_version_id AND b.name = ${name})`;
  // DISTINCT ON (consumer, 0) keeps each consumer's newest; (consumer, id) keeps every one.
  const { rows } = await db.query<PactRow>(
    `${selectPact}
      WHERE p.id IN (
        SELECT DISTINCT ON (p.consumer_id, CASE WHEN $5 THEN 0 ELSE p.id END) p.id
          FROM broker_pact_publications p JOIN broker_pacticipants c ON c.id = p.consumer_id
         WHERE p.provider_id = $1
           AND ($2::text IS NULL OR EXISTS (
                 SELECT 1 FROM broker_tags t WHERE t.version_id = p.consumer_version_id AND t.name = $2))
           AND ($3::text IS NULL OR ${onBranch('$3')})
           AND (NOT $4 OR ${onBranch('c.main_branch')})
         ORDER BY p.consumer_id, CASE WHEN $5 THEN 0 ELSE p.id END, p.consumer_version_position DESC)
      ORDER BY c.name, p.consumer_version_position DESC`,
    [
      providerId,
      scope.tag ?? null,
      scope.branch ?? null,
      scope.mainBranch ?? false,
      scope.latest ?? false,
    ],
  );
  return rows;
}

/** Which of a consumer's branches: a named one, or its main branch when `branch` is unset; with `latest`, only the branch head. */
export interface ConsumerBranchScope {
  branch?: string;
  latest?: boolean;
}

/**
 * Publications between provider $1 and consumer $2 by versions on branch $3
 * (the consumer's main branch when null); with $4, only the branch head's,
 * which may have no pact with this provider (the Pact Broker's "latest" of a
 * branch, not the newest version on it that has one).
 */
const onConsumerBranch = `p.provider_id = $1 AND p.consumer_id = $2
  AND p.consumer_version_id IN (
    SELECT bv.version_id FROM broker_branches b JOIN broker_branch_versions bv ON bv.branch_id = b.id
     WHERE b.pacticipant_id = $2
       AND b.name = COALESCE($3::text, (SELECT main_branch FROM broker_pacticipants WHERE id = $2))
       AND (NOT $4::boolean OR bv.position = (
             SELECT max(position) FROM broker_branch_versions WHERE branch_id = b.id)))`;

const branchArgs = (providerId: string, consumerId: string, scope: ConsumerBranchScope) => [
  providerId,
  consumerId,
  scope.branch ?? null,
  scope.latest ?? false,
];

/** The pacts of a consumer branch with a provider, oldest consumer version first. */
export async function pactsOnConsumerBranch(
  db: Queryable,
  providerId: string,
  consumerId: string,
  scope: ConsumerBranchScope,
): Promise<PactRow[]> {
  const { rows } = await db.query<PactRow>(
    `${selectPact} WHERE ${onConsumerBranch} ORDER BY p.consumer_version_position`,
    branchArgs(providerId, consumerId, scope),
  );
  return rows;
}

/** Deletes exactly the publications `pactsOnConsumerBranch` lists, in one statement. */
export async function deletePactsOnConsumerBranch(
  db: Queryable,
  providerId: string,
  consumerId: string,
  scope: ConsumerBranchScope,
): Promise<void> {
  await db.query(
    `DELETE FROM broker_pact_publications p WHERE ${onConsumerBranch}`,
    branchArgs(providerId, consumerId, scope),
  );
}

/** Pact content by id (of broker_pact_versions). */
export async function pactContents(
  db: Queryable,
  pactVersionIds: string[],
): Promise<Map<string, unknown>> {
  if (pactVersionIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; content: unknown }>(
    'SELECT id, content FROM broker_pact_versions WHERE id = ANY($1::bigint[])',
    [pactVersionIds],
  );
  return new Map(rows.map((row) => [row.id, row.content]));
}

/** The newest pact of each consumer of a provider (optionally among versions with a tag), or of every integration. */
export async function latestPacts(
  db: Queryable,
  scope: { providerId?: string; tag?: string } = {},
): Promise<PactRow[]> {
  const { rows } = await db.query<PactRow>(
    `SELECT latest.* FROM broker_integrations i
       CROSS JOIN LATERAL (
         ${selectPact}
          WHERE p.provider_id = i.provider_id AND p.consumer_id = i.consumer_id
            AND ($2::text IS NULL OR EXISTS (
                  SELECT 1 FROM broker_tags t WHERE t.version_id = p.consumer_version_id AND t.name = $2))
          ORDER BY p.consumer_version_position DESC LIMIT 1) latest
      WHERE $1::bigint IS NULL OR i.provider_id = $1
      ORDER BY latest.consumer_name, latest.provider_name`,
    [scope.providerId ?? null, scope.tag ?? null],
  );
  return rows;
}

/** The consumer versions whose pact with the provider has this content. */
export async function versionsWithContent(db: Queryable, pactVersionId: string): Promise<string[]> {
  const { rows } = await db.query<{ number: string }>(
    `SELECT v.number FROM broker_pact_publications p JOIN broker_versions v ON v.id = p.consumer_version_id
      WHERE p.pact_version_id = $1 ORDER BY v.position`,
    [pactVersionId],
  );
  return rows.map((row) => row.number);
}

/**
 * The provider versions that should verify this content and have not: the
 * head of the provider's main branch and whatever of it is deployed or
 * released now.
 */
export async function versionsRequiringVerification(
  db: Queryable,
  providerId: string,
  pactVersionId: string,
): Promise<string[]> {
  const { rows } = await db.query<{ number: string }>(
    `SELECT v.number FROM broker_versions v
      WHERE v.id IN (
              SELECT head.version_id FROM broker_pacticipants p
                JOIN broker_branches b ON b.pacticipant_id = p.id AND b.name = p.main_branch
                CROSS JOIN LATERAL (SELECT version_id FROM broker_branch_versions
                                     WHERE branch_id = b.id ORDER BY position DESC LIMIT 1) head
               WHERE p.id = $1
              UNION
              SELECT version_id FROM broker_deployed_versions WHERE pacticipant_id = $1 AND undeployed_at IS NULL
              UNION
              SELECT version_id FROM broker_released_versions WHERE pacticipant_id = $1 AND support_ended_at IS NULL)
        AND NOT EXISTS (SELECT 1 FROM broker_verifications vr
                         WHERE vr.pact_version_id = $2 AND vr.provider_version_id = v.id)
      ORDER BY v.position`,
    [providerId, pactVersionId],
  );
  return rows.map((row) => row.number);
}
