import type { Queryable } from '../../runtime/db.js';

// The lookups behind the matrix and can-i-deploy. Each takes a set of ids and
// answers in one indexed query, so a decision costs a handful of queries
// whatever the number of versions.

export interface MatrixVersion {
  id: string;
  pacticipant_id: string;
  number: string;
  position: string;
}

/** What a target means for a pacticipant: its versions in an environment, with a tag, at its main branch head, or its latest. */
export type Target =
  | { environment: { id: string; name: string } }
  | { tag: string }
  | { mainBranch: true }
  | { latest: true };

export async function versionsInTarget(
  db: Queryable,
  pacticipantIds: string[],
  target: Target,
): Promise<MatrixVersion[]> {
  if (pacticipantIds.length === 0) return [];
  const columns = 'v.id, v.pacticipant_id, v.number, v.position';
  if ('environment' in target) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT DISTINCT ${columns} FROM broker_versions v
        WHERE v.id IN (SELECT version_id FROM broker_deployed_versions
                        WHERE environment_id = $2 AND undeployed_at IS NULL AND pacticipant_id = ANY($1::bigint[])
                       UNION
                       SELECT version_id FROM broker_released_versions
                        WHERE environment_id = $2 AND support_ended_at IS NULL AND pacticipant_id = ANY($1::bigint[]))`,
      [pacticipantIds, target.environment.id],
    );
    return rows;
  }
  if ('tag' in target) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT ${columns} FROM unnest($1::bigint[]) AS p(id)
         CROSS JOIN LATERAL (SELECT version_id FROM broker_tags
                              WHERE pacticipant_id = p.id AND name = $2
                              ORDER BY version_position DESC LIMIT 1) t
         JOIN broker_versions v ON v.id = t.version_id`,
      [pacticipantIds, target.tag],
    );
    return rows;
  }
  if ('mainBranch' in target) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT ${columns} FROM broker_pacticipants p
         JOIN broker_branches b ON b.pacticipant_id = p.id AND b.name = p.main_branch
         CROSS JOIN LATERAL (SELECT version_id FROM broker_branch_versions
                              WHERE branch_id = b.id ORDER BY position DESC LIMIT 1) head
         JOIN broker_versions v ON v.id = head.version_id
        WHERE p.id = ANY($1::bigint[])`,
      [pacticipantIds],
    );
    return rows;
  }
  const { rows } = await db.query<MatrixVersion>(
    `SELECT ${columns} FROM unnest($1::bigint[]) AS p(id)
       CROSS JOIN LATERAL (SELECT * FROM broker_versions
                            WHERE pacticipant_id = p.id ORDER BY position DESC LIMIT 1) v`,
    [pacticipantIds],
  );
  return rows;
}

/** Versions a selector names: by number, the newest (of a tag or branch), a main branch head, or all with a tag or on a branch. */
export async function selectorVersions(
  db: Queryable,
  pacticipantId: string,
  selector: {
    version?: string;
    latest?: boolean;
    tag?: string;
    branch?: string;
    mainBranch?: boolean;
  },
): Promise<MatrixVersion[]> {
  const columns = 'v.id, v.pacticipant_id, v.number, v.position';
  if (selector.version !== undefined) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT ${columns} FROM broker_versions v WHERE v.pacticipant_id = $1 AND v.number = $2`,
      [pacticipantId, selector.version],
    );
    return rows;
  }
  if (selector.mainBranch) return versionsInTarget(db, [pacticipantId], { mainBranch: true });
  const limit = selector.latest ? 'LIMIT 1' : '';
  if (selector.branch !== undefined) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT ${columns} FROM broker_branches b
         JOIN broker_branch_versions bv ON bv.branch_id = b.id
         JOIN broker_versions v ON v.id = bv.version_id
        WHERE b.pacticipant_id = $1 AND b.name = $2 ORDER BY bv.position DESC ${limit}`,
      [pacticipantId, selector.branch],
    );
    return rows;
  }
  if (selector.tag !== undefined) {
    const { rows } = await db.query<MatrixVersion>(
      `SELECT ${columns} FROM broker_tags t JOIN broker_versions v ON v.id = t.version_id
        WHERE t.pacticipant_id = $1 AND t.name = $2 ORDER BY t.version_position DESC ${limit}`,
      [pacticipantId, selector.tag],
    );
    return rows;
  }
  const { rows } = await db.query<MatrixVersion>(
    `SELECT ${columns} FROM broker_versions v WHERE v.pacticipant_id = $1 ORDER BY v.position DESC ${selector.latest ? 'LIMIT 1' : 'LIMIT 100'}`,
    [pacticipantId],
  );
  return rows;
}

export interface Publication {
  consumer_version_id: string;
  consumer_id: string;
  provider_id: string;
  pact_version_id: string;
  created_at: Date;
}

/** The pacts the given consumer versions published (with any provider, or with one). */
export async function publicationsOf(
  db: Queryable,
  consumerVersionIds: string[],
  providerId?: string,
): Promise<Publication[]> {
  if (consumerVersionIds.length === 0) return [];
  const { rows } = await db.query<Publication>(
    `SELECT consumer_version_id, consumer_id, provider_id, pact_version_id, updated_at AS created_at
       FROM broker_pact_publications
      WHERE consumer_version_id = ANY($1::bigint[]) AND ($2::bigint IS NULL OR provider_id = $2)`,
    [consumerVersionIds, providerId ?? null],
  );
  return rows;
}

/** The consumers that have ever had a pact with the provider. */
export async function consumersOf(db: Queryable, providerId: string): Promise<string[]> {
  const { rows } = await db.query<{ consumer_id: string }>(
    'SELECT consumer_id FROM broker_integrations WHERE provider_id = $1',
    [providerId],
  );
  return rows.map((row) => row.consumer_id);
}

/** The providers the consumer has ever had a pact with. */
export async function providersOf(db: Queryable, consumerId: string): Promise<string[]> {
  const { rows } = await db.query<{ provider_id: string }>(
    'SELECT provider_id FROM broker_integrations WHERE consumer_id = $1',
    [consumerId],
  );
  return rows.map((row) => row.provider_id);
}

export interface VerificationOutcome {
  id: string;
  success: boolean;
  created_at: Date;
}

/** Which versions of a side take part: these versions, and every version of these pacticipants. */
export interface MatrixSide {
  versionIds: string[];
  allOf: string[];
}

export interface MatrixLine {
  consumer_id: string;
  provider_id: string;
  pact_version_id: string;
  /** The pact content's sha, which names its verification results' URLs. */
  pact_sha: string;
  pact_created_at: Date;
  consumer_version: MatrixVersion;
  provider_version: MatrixVersion | null;
  verification: VerificationOutcome | null;
}

/**
 * The matrix as the Pact Broker builds it: the pacts of the consumer side with
 * the given providers, left-joined to the newest verification of their content
 * by each provider-side version. A pact no provider-side version verified gives
 * one line without a provider version; verifications by other versions are not
 * looked at, so they cannot hide that. `limit` keeps the newest pacts, for
 * selectors that name every version of a pacticipant.
 */
export async function matrixLines(
  db: Queryable,
  consumers: MatrixSide,
  providerIds: string[],
  providers: MatrixSide,
  limit: number | null,
): Promise<MatrixLine[]> {
  if (providerIds.length === 0) return [];
  if (consumers.versionIds.length === 0 && consumers.allOf.length === 0) return [];
  // The every-version branches only when asked for: an OR would keep the
  // planner from the per-version indexes can-i-deploy relies on.
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => (
    values.push(value),
    `$${values.length}::${type}`
  );
  const consumerMatch = [
    ...(consumers.versionIds.length > 0
      ? [`p.consumer_version_id = ANY(${param(consumers.versionIds, 'bigint[]')})`]
      : []),
    ...(consumers.allOf.length > 0
      ? [`p.consumer_id = ANY(${param(consumers.allOf, 'bigint[]')})`]
      : []),
  ].join(' OR ');
  const providerMatch = [
    `vr.provider_version_id = ANY(${param(providers.versionIds, 'bigint[]')})`,
    ...(providers.allOf.length > 0
      ? [`vr.provider_id = ANY(${param(providers.allOf, 'bigint[]')})`]
      : []),
  ].join(' OR ');
  const version = (alias: string) =>
    `json_build_object('id', ${alias}.id::text, 'pacticipant_id', ${alias}.pacticipant_id::text,
                       'number', ${alias}.number, 'position', ${alias}.position::text)`;
  const { rows } = await db.query<MatrixLine>(
    `WITH pacts AS (
       SELECT p.consumer_id, p.provider_id, p.pact_version_id, p.consumer_version_id, p.id,
              p.updated_at AS pact_created_at
         FROM broker_pact_publications p
        WHERE (${consumerMatch}) AND p.provider_id = ANY(${param(providerIds, 'bigint[]')})
        ORDER BY p.updated_at DESC, p.id DESC
        LIMIT ${param(limit, 'bigint')})
     SELECT pacts.consumer_id, pacts.provider_id, pacts.pact_version_id, pacts.pact_created_at,
            (SELECT sha FROM broker_pact_versions WHERE id = pacts.pact_version_id) AS pact_sha,
            ${version('cv')} AS consumer_version,
            CASE WHEN pv.id IS NULL THEN NULL ELSE ${version('pv')} END AS provider_version,
            CASE WHEN vr.id IS NULL THEN NULL
                 ELSE json_build_object('id', vr.id::text, 'success', vr.success, 'created_at', vr.created_at) END
              AS verification
       FROM pacts
       JOIN broker_versions cv ON cv.id = pacts.consumer_version_id
       LEFT JOIN LATERAL (
         SELECT DISTINCT ON (vr.provider_version_id) vr.id, vr.provider_version_id, vr.success, vr.created_at
           FROM broker_verifications vr
          WHERE vr.pact_version_id = pacts.pact_version_id AND (${providerMatch})
          ORDER BY vr.provider_version_id, vr.id DESC) vr ON true
       LEFT JOIN broker_versions pv ON pv.id = vr.provider_version_id
      ORDER BY GREATEST(pacts.pact_created_at, vr.created_at) DESC, pacts.id DESC, vr.id DESC`,
    values,
  );
  return rows.map((row) => ({
    ...row,
    verification: row.verification && {
      ...row.verification,
      created_at: new Date(row.verification.created_at),
    },
  }));
}

export interface VersionDetail {
  id: string;
  number: string;
  branches: { name: string; latest: boolean }[];
  tags: { name: string; latest: boolean }[];
}

/** Branches and tags of the versions in the matrix, in one query. */
export async function versionDetails(
  db: Queryable,
  versionIds: string[],
): Promise<Map<string, VersionDetail>> {
  if (versionIds.length === 0) return new Map();
  const { rows } = await db.query<VersionDetail>(
    `SELECT v.id, v.number,
            COALESCE((SELECT json_agg(json_build_object('name', b.name, 'latest',
                        bv.position = (SELECT max(position) FROM broker_branch_versions WHERE branch_id = b.id))
                        ORDER BY bv.position)
                        FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
                       WHERE bv.version_id = v.id), '[]') AS branches,
            COALESCE((SELECT json_agg(json_build_object('name', t.name, 'latest',
                        t.version_position = (SELECT max(version_position) FROM broker_tags
                                               WHERE pacticipant_id = t.pacticipant_id AND name = t.name))
                        ORDER BY t.name)
                        FROM broker_tags t WHERE t.version_id = v.id), '[]') AS tags
       FROM broker_versions v WHERE v.id = ANY($1::bigint[])`,
    [versionIds],
  );
  return new Map(rows.map((row) => [row.id, row]));
}
