import type { Queryable } from '../../runtime/db.js';

export interface VerificationRow {
  id: string;
  pact_version_id: string;
  provider_version_id: string;
  consumer_id: string;
  provider_id: string;
  success: boolean;
  build_url: string | null;
  test_results: unknown;
  verified_by: unknown;
  pending: boolean | null;
  wip: boolean;
  created_at: Date;
  provider_version: string;
  provider_name: string;
  consumer_name: string;
  sha: string;
}

const selectVerification = `
  SELECT vr.*, v.number AS provider_version, pr.name AS provider_name, c.name AS consumer_name, pv.sha
    FROM broker_verifications vr
    JOIN broker_versions v ON v.id = vr.provider_version_id
    JOIN broker_pacticipants pr ON pr.id = vr.provider_id
    JOIN broker_pacticipants c ON c.id = vr.consumer_id
    JOIN broker_pact_versions pv ON pv.id = vr.pact_version_id`;

/** The pact content a verification result is for, by consumer, provider and SHA. */
export async function findPactVersion(
  db: Queryable,
  consumerId: string,
  providerId: string,
  sha: string,
): Promise<{ id: string } | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM broker_pact_versions WHERE consumer_id = $1 AND provider_id = $2 AND sha = $3',
    [consumerId, providerId, sha],
  );
  return rows[0];
}

export async function insertVerification(
  db: Queryable,
  row: {
    pactVersionId: string;
    providerVersion: { id: string; position: string };
    consumerId: string;
    providerId: string;
    success: boolean;
    buildUrl: string | null;
    testResults: unknown;
    verifiedBy: unknown;
    pending: boolean | null;
    wip: boolean;
  },
  at: Date,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO broker_verifications
       (pact_version_id, provider_version_id, consumer_id, provider_id, provider_version_position,
        success, build_url, test_results, verified_by, pending, wip, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
    [
      row.pactVersionId,
      row.providerVersion.id,
      row.consumerId,
      row.providerId,
      row.providerVersion.position,
      row.success,
      row.buildUrl,
      row.testResults === undefined ? null : JSON.stringify(row.testResults),
      row.verifiedBy === undefined ? null : JSON.stringify(row.verifiedBy),
      row.pending,
      row.wip,
      at,
    ],
  );
  return rows[0]!.id;
}

export async function findVerification(
  db: Queryable,
  pactVersionId: string,
  id: string,
): Promise<VerificationRow | undefined> {
  const { rows } = await db.query<VerificationRow>(
    `${selectVerification} WHERE vr.pact_version_id = $1 AND vr.id = $2`,
    [pactVersionId, id],
  );
  return rows[0];
}

/** The newest verification result of some pact content. */
export async function latestVerification(
  db: Queryable,
  pactVersionId: string,
): Promise<VerificationRow | undefined> {
  const { rows } = await db.query<VerificationRow>(
    `${selectVerification} WHERE vr.pact_version_id = $1 ORDER BY vr.id DESC LIMIT 1`,
    [pactVersionId],
  );
  return rows[0];
}
