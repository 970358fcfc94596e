import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a run left in its private TMPDIR that it made itself (jest's own cache is not ours). */
export const leftovers = (dir: string) =>
  readdirSync(dir).filter((name) => name.startsWith('meshpact-'));

/**
 * After a stopped run: nothing left in its TMPDIR, and no process of it, not
 * Postgres, not the contract tests' jest (each names one of these paths).
 */
export function expectNothingLeft(tmp: string, pacts: string) {
  expect(leftovers(tmp)).toEqual([]);
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
  expect(processes.filter((line) => line.includes(pacts) || line.includes(tmp))).toEqual([]);
}

/** A private place for a run's pacts and reports, so it never touches the repository's. */
export function workspace() {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-run-test-'));
  return {
    pacts: join(dir, 'pacts'),
    reports: join(dir, 'reports'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
