import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { gitBranch, gitCommit } from './git.js';

describe('git', () => {
  let dir: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshpact-git-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when run in a checkout', () => {
    it('reads the short commit and the branch', () => {
      git('init', '-q', '-b', 'feat/login');
      git('commit', '-q', '--allow-empty', '-m', 'first');

      expect(gitCommit(dir)).toBe(git('rev-parse', '--short', 'HEAD'));
      expect(gitCommit(dir)).toMatch(/^[0-9a-f]{7,}$/);
      expect(gitBranch(dir)).toBe('feat/login');
    });

    it('refuses a detached HEAD, which has no branch', () => {
      git('init', '-q', '-b', 'main');
      git('commit', '-q', '--allow-empty', '-m', 'first');
      git('checkout', '-q', '--detach');

      expect(() => gitBranch(dir)).toThrow(/detached HEAD has none/);
    });
  });

  describe('when run outside a checkout', () => {
    it('fails with a usage error that says so', () => {
      const thrown = (() => {
        try {
          gitCommit(dir);
        } catch (error) {
          return error;
        }
      })();
      expect(thrown).toBeInstanceOf(MeshpactError);
      expect(thrown).toMatchObject({ code: 'invalid_usage' });
      expect((thrown as Error).message).toMatch(
        /^cannot read the git commit of .*not a git repository.*; run in a git checkout/,
      );
    });
  });
});
