import { execFileSync } from 'node:child_process';

/**
 * Whether a process runs, as `ps` sees it: a zombie (dead, not yet reaped,
 * as orphans stay where PID 1 does not reap them) no longer does.
 */
export function runs(pid: number): boolean {
  try {
    return !/^\s*Z/.test(
      execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }),
    );
  } catch {
    return false;
  }
}
