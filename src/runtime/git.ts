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
