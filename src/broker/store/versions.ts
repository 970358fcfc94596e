import type { Queryable } from '../../runtime/db.js';
import { adoptMainBranch, findOrCreatePacticipant, type PacticipantRow } from './pacticipants.js';

export interface VersionRow {
  id: string;
  pacticipant_id: string;
  number: string;
  position: string;
  build_url: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function findVersion(
  db: Queryable,
  pacticipantId: string,
  number: string,
): Promise<VersionRow | undefined> {
  const { rows } = await db.query<VersionRow>(
    'SELECT * FROM broker_versions WHERE pacticipant_id = $1 AND number = $2',
    [pacticipantId, number],
  );
  return rows[0];
}

/**
 * Creates the version unless it exists, and locks its row until the
 * transaction ends, so concurrent publications of one version take turns.
 */
export async function findOrCreateVersion(
  db: Queryable,
  pacticipantId: string,
  number: string,
  at: Date,
): Promise<{ row: VersionRow; created: boolean }> {
  const { rows } = await db.query<VersionRow>(
    `INSERT INTO broker_versions (pacticipant_id, number, created_at, updated_at)
     VALUES ($1, $2, $3, $3)
     ON CONFLICT (pacticipant_id, number) DO NOTHING RETURNING *`,
    [pacticipantId, number, at],
  );
  if (rows[0]) return { row: rows[0], created: true };
  const existing = await db.query<VersionRow>(
    'SELECT * FROM broker_versions WHERE pacticipant_id = $1 AND number = $2 FOR UPDATE',
    [pacticipantId, number],
  );
  return { row: existing.rows[0]!, created: false };
}

/** The pacticipant and its version, each created if new; the version's row is locked (see above). */
export async function findOrCreatePacticipantVersion(
  db: Queryable,
  pacticipantName: string,
  number: string,
  at: Date,
): Promise<{ pacticipant: PacticipantRow; version: VersionRow; created: boolean }> {
  const { row: pacticipant } = await findOrCreatePacticipant(db, pacticipantName, at);
  const { row: version, created } = await findOrCreateVersion(db, pacticipant.id, number, at);
  return { pacticipant, version, created };
}

export async function findVersionById(db: Queryable, id: string): Promise<VersionRow | undefined> {
  const { rows } = await db.query<VersionRow>('SELECT * FROM broker_versions WHERE id = $1', [id]);
  return rows[0];
}

export async function setBuildUrl(db: Queryable, versionId: string, buildUrl: string, at: Date) {
  await db.query('UPDATE broker_versions SET build_url = $2, updated_at = $3 WHERE id = $1', [
    versionId,
    buildUrl,
    at,
  ]);
}

export async function deleteVersion(db: Queryable, versionId: string): Promise<void> {
  await db.query('DELETE FROM broker_versions WHERE id = $1', [versionId]);
}

/** The newest version (of all, of a tag, or the head of a branch). */
export async function latestVersion(
  db: Queryable,
  pacticipantId: string,
  scope: { tag?: string; branch?: string } = {},
): Promise<VersionRow | undefined> {
  if (scope.tag !== undefined) {
    const { rows } = await db.query<VersionRow>(
      `SELECT v.* FROM broker_tags t JOIN broker_versions v ON v.id = t.version_id
        WHERE t.pacticipant_id = $1 AND t.name = $2
        ORDER BY t.version_position DESC LIMIT 1`,
      [pacticipantId, scope.tag],
    );
    return rows[0];
  }
  if (scope.branch !== undefined) {
    const { rows } = await db.query<VersionRow>(
      `SELECT v.* FROM broker_branches b
         JOIN broker_branch_versions bv ON bv.branch_id = b.id
         JOIN broker_versions v ON v.id = bv.version_id
        WHERE b.pacticipant_id = $1 AND b.name = $2
        ORDER BY bv.position DESC LIMIT 1`,
      [pacticipantId, scope.branch],
    );
    return rows[0];
  }
  const { rows } = await db.query<VersionRow>(
    'SELECT * FROM broker_versions WHERE pacticipant_id = $1 ORDER BY position DESC LIMIT 1',
    [pacticipantId],
  );
  return rows[0];
}

/** The latest version of each of the pacticipants, in one query. */
export async function latestVersionsOf(
  db: Queryable,
  pacticipantIds: string[],
): Promise<Map<string, VersionRow>> {
  if (pacticipantIds.length === 0) return new Map();
  const { rows } = await db.query<VersionRow>(
    `SELECT v.* FROM unnest($1::bigint[]) AS p(id)
       CROSS JOIN LATERAL (SELECT * FROM broker_versions
                            WHERE pacticipant_id = p.id ORDER BY position DESC LIMIT 1) v`,
    [pacticipantIds],
  );
  return new Map(rows.map((row) => [row.pacticipant_id, row]));
}

export async function listVersions(
  db: Queryable,
  pacticipantId: string,
  page: { limit: number; offset: number; branch?: string; tag?: string },
): Promise<{ rows: VersionRow[]; total: number }> {
  const { rows } = await db.query<VersionRow & { total: string }>(
    `SELECT v.*, count(*) OVER () AS total FROM broker_versions v
      WHERE v.pacticipant_id = $1
        AND ($4::text IS NULL OR EXISTS (
          SELECT 1 FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
           WHERE bv.version_id = v.id AND b.name = $4))
        AND ($5::text IS NULL OR EXISTS (
          SELECT 1 FROM broker_tags t WHERE t.version_id = v.id AND t.name = $5))
      ORDER BY v.position DESC LIMIT $2 OFFSET $3`,
    [pacticipantId, page.limit, page.offset, page.branch ?? null, page.tag ?? null],
  );
  return { rows, total: Number(rows[0]?.total ?? 0) };
}

// --- branches ---------------------------------------------------------------

export interface BranchRow {
  id: string;
  pacticipant_id: string;
  name: string;
  created_at: Date;
}

export async function findBranch(
  db: Queryable,
  pacticipantId: string,
  name: string,
): Promise<BranchRow | undefined> {
  const { rows } = await db.query<BranchRow>(
    'SELECT * FROM broker_branches WHERE pacticipant_id = $1 AND name = $2',
    [pacticipantId, name],
  );
  return rows[0];
}

/** Puts the version on the branch (making it the head when it is new there); returns whether it was new. */
export async function addToBranch(
  db: Queryable,
  version: VersionRow,
  branchName: string,
  at: Date,
): Promise<boolean> {
  await db.query(
    `INSERT INTO broker_branches (pacticipant_id, name, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (pacticipant_id, name) DO NOTHING`,
    [version.pacticipant_id, branchName, at],
  );
  const branch = (await findBranch(db, version.pacticipant_id, branchName))!;
  const { rowCount } = await db.query(
    `INSERT INTO broker_branch_versions (branch_id, version_id, pacticipant_id, created_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT (branch_id, version_id) DO NOTHING`,
    [branch.id, version.id, version.pacticipant_id, at],
  );
  await adoptMainBranch(db, version.pacticipant_id, branchName);
  return rowCount === 1;
}

export async function listBranches(
  db: Queryable,
  pacticipantId: string,
  q?: string,
): Promise<BranchRow[]> {
  const { rows } = await db.query<BranchRow>(
    `SELECT * FROM broker_branches WHERE pacticipant_id = $1 AND ($2::text IS NULL OR name ILIKE $2)
      ORDER BY created_at DESC, id DESC`,
    [pacticipantId, q ? `%${q.replace(/[\\%_]/g, '\\$&')}%` : null],
  );
  return rows;
}

export async function deleteBranch(db: Queryable, branchId: string): Promise<void> {
  await db.query('DELETE FROM broker_branches WHERE id = $1', [branchId]);
}

export async function isOnBranch(db: Queryable, branchId: string, versionId: string) {
  const { rowCount } = await db.query(
    'SELECT 1 FROM broker_branch_versions WHERE branch_id = $1 AND version_id = $2',
    [branchId, versionId],
  );
  return rowCount === 1;
}

export async function removeFromBranch(db: Queryable, branchId: string, versionId: string) {
  const { rowCount } = await db.query(
    'DELETE FROM broker_branch_versions WHERE branch_id = $1 AND version_id = $2',
    [branchId, versionId],
  );
  return rowCount === 1;
}

/** The branches of a version, each with whether the version is that branch's head. */
export async function branchesOf(
  db: Queryable,
  versionId: string,
): Promise<{ name: string; latest: boolean }[]> {
  const { rows } = await db.query<{ name: string; latest: boolean }>(
    `SELECT b.name,
            bv.position = (SELECT max(position) FROM broker_branch_versions WHERE branch_id = b.id)
              AS latest
       FROM broker_branch_versions bv JOIN broker_branches b ON b.id = bv.branch_id
      WHERE bv.version_id = $1
      ORDER BY bv.position`,
    [versionId],
  );
  return rows;
}

// --- tags -------------------------------------------------------------------

export interface TagRow {
  version_id: string;
  name: string;
  created_at: Date;
}

/** Tags the version; returns whether the tag is new. */
export async function addTag(
  db: Queryable,
  version: VersionRow,
  name: string,
  at: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO broker_tags (version_id, name, pacticipant_id, version_position, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version_id, name) DO NOTHING`,
    [version.id, name, version.pacticipant_id, version.position, at],
  );
  if (rowCount === 1) await adoptMainBranch(db, version.pacticipant_id, name);
  return rowCount === 1;
}

/** Removes the version's tags not among `names` (a PUT replaces the tag set). */
export async function keepOnlyTags(db: Queryable, versionId: string, names: string[]) {
  await db.query('DELETE FROM broker_tags WHERE version_id = $1 AND NOT (name = ANY($2))', [
    versionId,
    names,
  ]);
}

export async function findTag(
  db: Queryable,
  versionId: string,
  name: string,
): Promise<TagRow | undefined> {
  const { rows } = await db.query<TagRow>(
    'SELECT version_id, name, created_at FROM broker_tags WHERE version_id = $1 AND name = $2',
    [versionId, name],
  );
  return rows[0];
}

export async function deleteTag(db: Queryable, versionId: string, name: string) {
  const { rowCount } = await db.query(
    'DELETE FROM broker_tags WHERE version_id = $1 AND name = $2',
    [versionId, name],
  );
  return rowCount === 1;
}

/** The tags of a version, each with whether it is the newest version carrying that tag. */
export async function tagsOf(
  db: Queryable,
  versionId: string,
): Promise<{ name: string; latest: boolean; created_at: Date }[]> {
  const { rows } = await db.query<{ name: string; latest: boolean; created_at: Date }>(
    `SELECT t.name, t.created_at,
            t.version_position = (SELECT max(version_position) FROM broker_tags
                                   WHERE pacticipant_id = t.pacticipant_id AND name = t.name)
              AS latest
       FROM broker_tags t WHERE t.version_id = $1 ORDER BY t.created_at, t.name`,
    [versionId],
  );
  return rows;
}
