import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';

const root = packageRoot();

function meshpact(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, 'bin/meshpact.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PACT_DO_NOT_TRACK: 'true', ...env },
    timeout: 120_000,
  });
}

describe('the meshpact command', () => {
  beforeAll(() => {
    // The bin runs the compiled tree; build it so this test sees the current source.
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  }, 120_000);

  it('is built where package.json points', () => {
    expect(existsSync(join(root, 'dist/src/cli/main.js'))).toBe(true);
  });

  it('prints its version', () => {
    const result = meshpact(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('runs the mesh check on embedded Postgres and leaves nothing behind', () => {
    // A private TMPDIR shows exactly what the run left behind.
    const scratch = mkdtempSync(join(tmpdir(), 'meshpact-cli-'));
    chmodSync(scratch, 0o755); // the postgres user must reach the data dir inside it
    try {
      const result = meshpact(['run'], { CI: 'true', TMPDIR: scratch });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^schemas: \d+ compiled, \d+ examples valid$/m);
      expect(result.stdout).toMatch(/^postgres: embedded server 18\.\d+ is up$/m);
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line for a bad DATABASE_URL', () => {
    const result = meshpact(['run'], { DATABASE_URL: 'redis://localhost' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'meshpact: DATABASE_URL must be a postgres: or postgresql:// URL (got "redis://localhost")\n',
    );
  });
});
