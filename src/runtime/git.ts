import { execFileSync } from 'node:child_process';
import { MeshpactError } from '../errors/meshpact-error.js';

// The version and branch meshpact publishes and verifies as, read from the git
// checkout a command runs in (what the Pact docs do with `git rev-parse`).

function git(what: string, args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const stderr = ((error as { stderr?: string }).stderr ?? '').trim();
    const reason = stderr.split('\n')[0] || (error as Error).message;
    throw new MeshpactError(
      'invalid_usage',
      `cannot read the git ${what} of ${cwd} (${reason}); run in a git checkout or give the ${what} explicitly`,
      { cause: error },
    );
  }
}

/** The short commit sha of HEAD, e.g. "62e944b". */
export function gitCommit(cwd = process.cwd()): string {
  return git('commit', ['rev-parse', '--short', 'HEAD'], cwd);
}

/** The branch checked out, e.g. "main"; a detached HEAD has none, which is an error. */
export function gitBranch(cwd = process.cwd()): string {
  const branch = git('branch', ['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  if (branch === 'HEAD')
    throw new MeshpactError(
      'invalid_usage',
      `cannot read the git branch of ${cwd} (a detached HEAD has none); give the branch explicitly`,
    );
  return branch;
}

/**
 * The version a whole mesh check runs as, which never stops it: the commit
 * (marked, with a time stamp, when tracked files have changes, so a changed
 * pact is a new version) and the branch ("detached" for a detached HEAD);
 * outside a git checkout, a local version on branch "local".
 */
export function checkVersion(cwd = process.cwd()): { number: string; branch: string } {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  try {
    const commit = gitCommit(cwd);
    const dirty = git('status', ['status', '--porcelain', '--untracked-files=no'], cwd) !== '';
    const branch = git('branch', ['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
    return {
      number: dirty ? `${commit}-dirty-${stamp}` : commit,
      branch: branch === 'HEAD' ? 'detached' : branch,
    };
  } catch {
    return { number: `0.0.0-local-${stamp}`, branch: 'local' };
  }
}
