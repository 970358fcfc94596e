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

export async function listEnvironments(db: Queryable, name?: string): Promise<EnvironmentRow[]> {
  const { rows } = await db.query<EnvironmentRow>(
    'SELECT * FROM broker_environments WHERE $1::text IS NULL OR name = $1 ORDER BY name',
    [name ?? null],
  );
  return rows;
}
