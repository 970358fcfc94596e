import type pg from 'pg';

// The raw baselines: for each question the broker answers, one hand-written
// SQL statement that computes the same answer straight from the broker's
// tables, the least a database round trip can cost for it.

/** One matrix row as both sides report it, for comparing answers. */
export interface DeployRow {
  consumer: string;
  consumer_version: string;
  provider: string;
  provider_version: string | null;
  success: boolean | null;
}

export interface DeployAnswer {
  deployable: boolean | null;
  rows: DeployRow[];
}

/**
 * can-i-deploy <pacticipant> <version> --to-environment <environment>
 * (`/matrix?q[][pacticipant]&q[][version]&latestby=cvp&environment`): the
 * version's own pacts, and the pacts its consumers' versions in the
 * environment have with it, each with the verification by the other side's
 * version (the one in the environment, or the version asked about) of the
 * pact's content, newest provider version first; deployable when every row
 * succeeded, false when one failed, unknown when one is unverified.
 */
const canIDeploySql = `
  WITH me AS (
    SELECT v.id, v.pacticipant_id FROM broker_pacticipants p
      JOIN broker_versions v ON v.pacticipant_id = p.id AND v.number = $2
     WHERE p.name = $1),
  target AS (
    SELECT d.version_id, d.pacticipant_id FROM broker_deployed_versions d
      JOIN broker_environments e ON e.id = d.environment_id AND e.name = $3
     WHERE d.undeployed_at IS NULL AND d.pacticipant_id <> (SELECT pacticipant_id FROM me)
    UNION
    SELECT r.version_id, r.pacticipant_id FROM broker_released_versions r
      JOIN broker_environments e ON e.id = r.environment_id AND e.name = $3
     WHERE r.support_ended_at IS NULL AND r.pacticipant_id <> (SELECT pacticipant_id FROM me)),
  pacts AS (
    SELECT p.consumer_id, p.provider_id, p.consumer_version_id, p.pact_version_id
      FROM broker_pact_publications p WHERE p.consumer_version_id = (SELECT id FROM me)
    UNION ALL
    SELECT p.consumer_id, p.provider_id, p.consumer_version_id, p.pact_version_id
      FROM target t JOIN broker_pact_publications p
           ON p.consumer_version_id = t.version_id AND p.provider_id = (SELECT pacticipant_id FROM me)),
  rows AS (
    SELECT c.name AS consumer, cv.number AS consumer_version, pr.name AS provider,
           verified.number AS provider_version, verified.success
      FROM pacts
      JOIN broker_pacticipants c ON c.id = pacts.consumer_id
      JOIN broker_pacticipants pr ON pr.id = pacts.provider_id
      JOIN broker_versions cv ON cv.id = pacts.consumer_version_id
      LEFT JOIN LATERAL (
        SELECT pv.number, vr.success FROM broker_verifications vr
          JOIN broker_versions pv ON pv.id = vr.provider_version_id
         WHERE vr.pact_version_id = pacts.pact_version_id
           AND vr.provider_version_id IN (SELECT id FROM me UNION ALL SELECT version_id FROM target)
         ORDER BY pv.position DESC, vr.id DESC LIMIT 1) verified ON true)
  SELECT rows.*,
         CASE WHEN bool_or(success = false) OVER () THEN false
              WHEN bool_or(success IS NULL) OVER () THEN NULL
              ELSE true END AS deployable
    FROM rows`;

export async function rawCanIDeploy(
  db: pg.ClientBase,
  question: { pacticipant: string; version: string; environment: string },
): Promise<DeployAnswer> {
  const { rows } = await db.query<DeployRow & { deployable: boolean | null }>(canIDeploySql, [
    question.pacticipant,
    question.version,
    question.environment,
  ]);
  return {
    deployable: rows.length === 0 ? true : rows[0]!.deployable,
    rows: rows.map(({ deployable: _deployable, ...row }) => row),
  };
}

/** One pact handed to a provider build, as both sides report it. */
export interface VerifiablePact {
  consumer: string;
  consumer_version: string;
  sha: string;
  pending: boolean;
}

/**
 * Pacts for verification with the selectors mainBranch, deployedOrReleased and
 * matchingBranch for a provider build on branch $2, with pending status: the
 * pacts of each consumer's main branch head, of its versions deployed or
 * released (and supported) anywhere, and of its head of branch $2; one per
 * consumer and content, from the newest consumer version; pending unless a
 * successful verification of that content counts for branch $2 (made by a
 * version on it, or before the branch existed).
 */
const forVerificationSql = `
  WITH provider AS (SELECT id FROM broker_pacticipants WHERE name = $1),
  consumers AS (
    SELECT c.id, c.main_branch FROM broker_integrations i
      JOIN broker_pacticipants c ON c.id = i.consumer_id
     WHERE i.provider_id = (SELECT id FROM provider)),
  picked AS (
    SELECT head.version_id FROM consumers c
      JOIN broker_branches b ON b.pacticipant_id = c.id AND (b.name = c.main_branch OR b.name = $2)
      CROSS JOIN LATERAL (SELECT version_id FROM broker_branch_versions
                           WHERE branch_id = b.id ORDER BY position DESC LIMIT 1) head
    UNION
    SELECT d.version_id FROM consumers c
      JOIN broker_deployed_versions d ON d.pacticipant_id = c.id AND d.undeployed_at IS NULL
    UNION
    SELECT r.version_id FROM consumers c
      JOIN broker_released_versions r ON r.pacticipant_id = c.id AND r.support_ended_at IS NULL),
  pacts AS (
    SELECT DISTINCT ON (p.pact_version_id) p.pact_version_id, p.consumer_id, p.consumer_version_id,
           p.consumer_version_position
      FROM picked JOIN broker_pact_publications p
           ON p.consumer_version_id = picked.version_id AND p.provider_id = (SELECT id FROM provider)
     ORDER BY p.pact_version_id, p.consumer_version_position DESC)
  SELECT c.name AS consumer, v.number AS consumer_version, pv.sha,
         NOT EXISTS (
           SELECT 1 FROM broker_verifications vr
            WHERE vr.pact_version_id = pacts.pact_version_id AND vr.success AND NOT vr.wip
              AND (EXISTS (SELECT 1 FROM broker_branch_versions bv
                             JOIN broker_branches b ON b.id = bv.branch_id
                            WHERE bv.version_id = vr.provider_version_id
                              AND b.pacticipant_id = (SELECT id FROM provider) AND b.name = $2)
                   OR vr.created_at < COALESCE(
                        (SELECT created_at FROM broker_branches
                          WHERE pacticipant_id = (SELECT id FROM provider) AND name = $2),
                        'infinity'))) AS pending
    FROM pacts
    JOIN broker_pacticipants c ON c.id = pacts.consumer_id
    JOIN broker_versions v ON v.id = pacts.consumer_version_id
    JOIN broker_pact_versions pv ON pv.id = pacts.pact_version_id
   ORDER BY c.name, pacts.consumer_version_position`;

export async function rawPactsForVerification(
  db: pg.ClientBase,
  question: { provider: string; branch: string },
): Promise<VerifiablePact[]> {
  const { rows } = await db.query<VerifiablePact>(forVerificationSql, [
    question.provider,
    question.branch,
  ]);
  return rows;
}

/** A publication: a consumer version on a branch, with its pact with each provider. */
export interface PublicationRows {
  consumer: string;
  version: string;
  branch: string;
  contracts: { provider: string; content: string }[];
}

/**
 * The rows POST /contracts/publish writes for a new version of a known
 * consumer: the version, its branch and place on it, each pact's content
 * (once per content hash) and publication, and the integration, in one
 * statement (so one transaction).
 */
const publishSql = `
  WITH consumer AS (SELECT id FROM broker_pacticipants WHERE name = $1),
  version AS (
    INSERT INTO broker_versions (pacticipant_id, number, created_at, updated_at)
    SELECT id, $2, now(), now() FROM consumer RETURNING id, pacticipant_id, position),
  branch AS (
    INSERT INTO broker_branches (pacticipant_id, name, created_at)
    SELECT id, $3, now() FROM consumer
    ON CONFLICT (pacticipant_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id),
  on_branch AS (
    INSERT INTO broker_branch_versions (branch_id, version_id, pacticipant_id, created_at)
    SELECT branch.id, version.id, version.pacticipant_id, now() FROM branch, version),
  contracts AS (
    SELECT pr.id AS provider_id, x.content
      FROM unnest($4::text[], $5::text[]) AS x(provider, content)
      JOIN broker_pacticipants pr ON pr.name = x.provider),
  content AS (
    INSERT INTO broker_pact_versions (consumer_id, provider_id, sha, content, created_at)
    SELECT consumer.id, contracts.provider_id, md5(contracts.content), contracts.content::jsonb, now()
      FROM consumer, contracts
    ON CONFLICT (consumer_id, provider_id, sha) DO UPDATE SET sha = EXCLUDED.sha
    RETURNING id, provider_id),
  integration AS (
    INSERT INTO broker_integrations (consumer_id, provider_id, created_at)
    SELECT consumer.id, contracts.provider_id, now() FROM consumer, contracts
    ON CONFLICT DO NOTHING)
  INSERT INTO broker_pact_publications
    (consumer_version_id, provider_id, pact_version_id, consumer_id, consumer_version_position, created_at, updated_at)
  SELECT version.id, content.provider_id, content.id, version.pacticipant_id, version.position, now(), now()
    FROM version, content`;

export async function rawPublish(db: pg.ClientBase, publication: PublicationRows): Promise<void> {
  await db.query(publishSql, [
    publication.consumer,
    publication.version,
    publication.branch,
    publication.contracts.map((c) => c.provider),
    publication.contracts.map((c) => c.content),
  ]);
}
