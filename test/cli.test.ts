import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { hungServer } from '../src/runtime/test-servers.js';
import { buildCli, runMeshpact, runMeshpactAsync } from './support/meshpact-process.js';

describe('the meshpact command', () => {
  beforeAll(buildCli, 120_000);

  it('is built where package.json points', () => {
    expect(existsSync(join(packageRoot(), 'dist/src/cli/main.js'))).toBe(true);
  });

  it('prints its version', () => {
    const result = runMeshpact(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 with one line for a bad DATABASE_URL', () => {
    const result = runMeshpact(['run'], { DATABASE_URL: 'redis://localhost' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'meshpact: DATABASE_URL must be a postgres: or postgresql:// URL (got "redis://localhost")\n',
    );
  });

  // Each command as a user would first type it; none gets as far as its work.
  it.each([
    ['run'],
    ['up'],
    ['broker', '--port', '0'],
    ['verify', '--provider', 'auth-service'],
    ['contracts', 'check'],
    ['publish', '--consumer-app-version', '1.0.0'],
    ['can-i-deploy', '--pacticipant', 'web-app', '--version', '1.0.0'],
    ['record-deployment', '--pacticipant', 'web-app', '--version', '1.0.0', '--environment', 'x'],
    ['events', '--thread', 't', '--token', 'x'],
    ['init'],
  ])(
    'refuses a bad LOG_LEVEL for `%s` with one line and exit 2, before doing anything',
    (...args) => {
      const result = runMeshpact(args, { LOG_LEVEL: 'loud' });
      expect(result.stderr).toBe(
        'meshpact: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")\n',
      );
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
    },
  );

  it('gives up on a gateway that accepts and never answers, with one line and exit 1', async () => {
    const hung = await hungServer();
    try {
      const result = await runMeshpactAsync([
        'events',
        '--thread',
        't',
        '--token',
        'x',
        '--url',
        hung.url,
        '--connect-timeout',
        '300',
      ]);
      expect(result.stderr).toBe(
        `meshpact: cannot connect to ${hung.url.replace('http', 'ws')}/ws: Opening handshake has timed out\n`,
      );
      expect(result.status).toBe(1);
      expect(hung.connections()).toBe(1);
    } finally {
      await hung.close();
    }
  });
});
