import type { Queryable } from '../../runtime/db.js';

export interface PacticipantRow {
  id: string;
  name: string;
  display_name: string | null;
  main_branch: string | null;
  repository_url: string | null;
  repository_name: string | null;
  repository_namespace: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PacticipantFields {
  displayName?: string | null;
  mainBranch?: string | null;
  repositoryUrl?: string | null;
  repositoryName?: string | null;
  repositoryNamespace?: string | null;
}

const columns = {
  displayName: 'display_name',
  mainBranch: 'main_branch',
  repositoryUrl: 'repository_url',
  repositoryName: 'repository_name',
  repositoryNamespace: 'repository_namespace',
} as const satisfies Record<keyof PacticipantFields, string>;

export async function findPacticipant(
  db: Queryable,
  name: string,
): Promise<PacticipantRow | undefined> {
  const { rows } = await db.query<PacticipantRow>(
    'SELECT * FROM broker_pacticipants WHERE name = $1',
    [name],
  );
  return rows[0];
}

/** Creates the pacticipant unless it exists; safe under concurrent calls. */
export async function findOrCreatePacticipant(
  db: Queryable,
  name: string,
  at: Date,
): Promise<{ row: PacticipantRow; created: boolean }> {
  // Looked up first: nearly every call finds it, in one round trip.
  const existing = await findPacticipant(db, name);
  if (existing) return { row: existing, created: false };
  const { rows } = await db.query<PacticipantRow>(
    `INSERT INTO broker_pacticipants (name, created_at, updated_at) VALUES ($1, $2, $2)
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [name, at],
  );
  if (rows[0]) return { row: rows[0], created: true };
  return { row: (await findPacticipant(db, name))!, created: false };
}

/**
 * Sets the given fields (PATCH), or every field with the missing ones cleared
 * (PUT, `replace`).
 */
export async function updatePacticipant(
  db: Queryable,
  id: string,
  fields: PacticipantFields,
  at: Date,
  options: { replace?: boolean } = {},
): Promise<PacticipantRow> {
  const names = Object.keys(columns) as (keyof PacticipantFields)[];
  const chosen = options.replace ? names : names.filter((name) => fields[name] !== undefined);
  const sets = chosen.map((name, index) => `${columns[name]} = $${index + 3}`);
  const { rows } = await db.query<PacticipantRow>(
    `UPDATE broker_pacticipants SET ${[...sets, 'updated_at = $2'].join(', ')}
      WHERE id = $1 RETURNING *`,
    [id, at, ...chosen.map((name) => fields[name] ?? null)],
  );
  return rows[0]!;
}

export async function listPacticipants(
  db: Queryable,
  query: { q?: string; limit: number; offset: number },
): Promise<{ rows: PacticipantRow[]; total: number }> {
  const filter = query.q ? `%${query.q.replace(/[\\%_]/g, '\\$&')}%` : null;
  const { rows } = await db.query<PacticipantRow & { total: string }>(
    `SELECT *, count(*) OVER () AS total FROM broker_pacticipants
      WHERE $1::text IS NULL OR name ILIKE $1
      ORDER BY lower(name), name LIMIT $2 OFFSET $3`,
    [filter, query.limit, query.offset],
  );
  return { rows, total: Number(rows[0]?.total ?? 0) };
}

export async function deletePacticipant(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM broker_pacticipants WHERE id = $1', [id]);
}

/** The first branch or tag named develop, main or master becomes the main branch of a pacticipant without one. */
export async function adoptMainBranch(db: Queryable, pacticipantId: string, name: string) {
  await db.query(
    `UPDATE broker_pacticipants SET main_branch = $2
      WHERE id = $1 AND main_branch IS NULL AND $2 IN ('develop', 'main', 'master')`,
    [pacticipantId, name],
  );
}
