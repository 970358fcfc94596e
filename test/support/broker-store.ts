import type pg from 'pg';

/**
 * A digest of every row of every broker table, to show that a refused request
 * wrote nothing: equal before and after, or something changed.
 */
export async function storeFingerprint(db: pg.Pool): Promise<string> {
  const { rows: tables } = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name LIKE 'broker\\_%'
      ORDER BY table_name`,
  );
  const digests: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.query<{ digest: string | null }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM "${name}" t`,
    );
    digests.push(`${name}:${rows[0]?.digest ?? 'empty'}`);
  }
  return digests.join('\n');
}
