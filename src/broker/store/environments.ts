import type { Queryable } from '../../runtime/db.js';

export interface EnvironmentRow {
  id: string;
  uuid: string;
  name: string;
  display_name: string | null;
  production: boolean;
  contacts: unknown;
  created_at: Date;
  updated_at: Date;
}

export interface EnvironmentFields {
  name: string;
  displayName: string;
  production: boolean;
  contacts: unknown[] | null;
}

export async function listEnvironments(db: Queryable, name?: string): Promise<EnvironmentRow[]> {
  const { rows } = await db.query<EnvironmentRow>(
    'SELECT * FROM broker_environments WHERE $1::text IS NULL OR name = $1 ORDER BY name',
    [name ?? null],
  );
  return rows;
}

export async function findEnvironment(
  db: Queryable,
  uuid: string,
): Promise<EnvironmentRow | undefined> {
  const { rows } = await db.query<EnvironmentRow>(
    'SELECT * FROM broker_environments WHERE uuid = $1',
    [uuid],
  );
  return rows[0];
}

export async function findEnvironmentById(db: Queryable, id: string): Promise<EnvironmentRow> {
  const { rows } = await db.query<EnvironmentRow>(
    'SELECT * FROM broker_environments WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

/** The new environment, or undefined when the name is taken. */
export async function createEnvironment(
  db: Queryable,
  uuid: string,
  fields: EnvironmentFields,
  at: Date,
): Promise<EnvironmentRow | undefined> {
  const { rows } = await db.query<EnvironmentRow>(
    `INSERT INTO broker_environments
       (uuid, name, display_name, production, contacts, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (name) DO NOTHING RETURNING *`,
    [uuid, fields.name, fields.displayName, fields.production, contactsJson(fields), at],
  );
  return rows[0];
}

/** Replaces every field but the uuid; 'name_taken' when another environment has the name. */
export async function replaceEnvironment(
  db: Queryable,
  uuid: string,
  fields: EnvironmentFields,
  at: Date,
): Promise<EnvironmentRow | 'name_taken' | undefined> {
  try {
    const { rows } = await db.query<EnvironmentRow>(
      `UPDATE broker_environments
          SET name = $2, display_name = $3, production = $4, contacts = $5, updated_at = $6
        WHERE uuid = $1 RETURNING *`,
      [uuid, fields.name, fields.displayName, fields.production, contactsJson(fields), at],
    );
    return rows[0];
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return 'name_taken';
    throw error;
  }
}

/** Deletes the environment with the deployments and releases recorded in it. */
export async function deleteEnvironment(db: Queryable, uuid: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM broker_environments WHERE uuid = $1', [uuid]);
  return (rowCount ?? 0) > 0;
}

const UNIQUE_VIOLATION = '23505';

const contactsJson = (fields: EnvironmentFields) =>
  fields.contacts === null ? null : JSON.stringify(fields.contacts);

/**
 * The Pact Broker's display name for a name given without one:
 * `pre-prod` → `Pre Prod`, `productionEU` → `Production EU`.
 */
export function generateDisplayName(name: string): string {
  return name
    .replace(/([A-Z])([A-Z])([a-z])/g, '$1 $2$3')
    .replace(/([a-z\d])([A-Z])(\S)/g, '$1 $2$3')
    .replace(/(\S)[-_\s.](?=\S)/g, '$1 ')
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
