import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { MeshpactError } from '../errors/meshpact-error.js';

export interface MigrationResult {
  name: string;
  status: 'applied' | 'already-applied' | 'failed' | 'not-run';
  error?: string;
}

export interface MigrationReport {
  results: MigrationResult[];
  /** Set when a migration failed; later ones are `not-run`. */
  error?: MeshpactError;
}

export interface MigrateOptions {
  /** Keeps the migrations of services that share one database apart, e.g. `auth`. */
  namespace: string;
  /** A directory of `NNNN_name.sql` files, applied in name order. */
  directory: string;
}

const LOCK = 'meshpact_migrations';

const LEDGER = `
  CREATE TABLE IF NOT EXISTS meshpact_migrations (
    namespace  text        NOT NULL,
    name       text        NOT NULL,
    checksum   text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name)
  )`;

/**
 * Applies the SQL files not yet recorded for the namespace, each in its own
 * transaction together with its ledger row, so a file is either wholly applied
 * and recorded or not at all. One session advisory lock per database serialises
 * every migrating process (services of one mesh share the ledger table). An applied file whose text changed is an
 * error: migrations are append-only.
 *
 * Returns a result per file instead of throwing on the first failure, so a
 * caller can show what was applied before it.
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrationReport> {
  const files = (await readdir(options.directory)).filter((f) => f.endsWith('.sql')).sort();
  const client = await pool.connect();
  const results: MigrationResult[] = [];
  let error: MeshpactError | undefined;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK]);
    await client.query(LEDGER);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM meshpact_migrations WHERE namespace = $1',
      [options.namespace],
    );
    const applied = new Map(rows.map((row) => [row.name, row.checksum]));

    for (const name of files) {
      if (error) {
        results.push({ name, status: 'not-run' });
        continue;
      }
      const sql = await readFile(join(options.directory, name), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const recorded = applied.get(name);
      if (recorded !== undefined) {
        if (recorded === checksum) {
          results.push({ name, status: 'already-applied' });
          continue;
        }
        const message = 'was changed after it was applied; add a new migration instead';
        error = failure(options.namespace, name, message);
        results.push({ name, status: 'failed', error: message });
        continue;
      }
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query(
          'INSERT INTO meshpact_migrations (namespace, name, checksum) VALUES ($1, $2, $3)',
          [options.namespace, name, checksum],
        );
        await client.query('COMMIT');
        results.push({ name, status: 'applied' });
      } catch (cause) {
        await client.query('ROLLBACK').catch(() => undefined);
        const message = (cause as Error).message;
        error = failure(options.namespace, name, message, cause);
        results.push({ name, status: 'failed', error: message });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK]).catch(() => undefined);
    client.release();
  }
  return error ? { results, error } : { results };
}

/** For start-up code: migrate, or throw the failure. */
export async function migrateOrThrow(
  pool: pg.Pool,
  options: MigrateOptions,
): Promise<MigrationResult[]> {
  const report = await migrate(pool, options);
  if (report.error) throw report.error;
  return report.results;
}

function failure(namespace: string, name: string, message: string, cause?: unknown): MeshpactError {
  return new MeshpactError('migration_failed', `migration ${namespace}/${name} ${message}`, {
    cause,
    extensions: { migration: name },
  });
}
