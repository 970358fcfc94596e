import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, scratchTmpdir, startMeshpact } from '../support/meshpact-process.js';
import { expectNothingLeft } from '../support/run-workspace.js';

// A provider that dies mid-verification: pact-js's proxy used to throw on the
// refused connection, and the verify process then hung for ever, deaf to
// SIGTERM, with Pact's native verifier waiting on a request never answered.

/** Answers its readiness check and one request, then exits, refusing every request after. */
const provider = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/ready') return res.end('ok');
  server.close();
  res.setHeader('content-type', 'application/json');
  res.end('{"ok":true}', () => process.exit(0));
});
server.listen(Number(process.env.PORT), process.env.HOST);
`;

const interaction = (description: string, path: string) => ({
  description,
  request: { method: 'GET', path },
  response: { status: 200 },
});

describe('a provider whose process exits mid-verification', () => {
  beforeAll(() => buildCli(), 120_000);

  it('fails the interaction it no longer answers, naming why, exits 1 and leaves nothing behind', async () => {
    const scratch = scratchTmpdir();
    const space = mkdtempSync(join(tmpdir(), 'provider-exits-test-'));
    mkdirSync(join(space, 'pacts'));
    writeFileSync(join(space, 'provider.js'), provider);
    writeFileSync(
      join(space, 'mesh.yaml'),
      [
        'pacticipants:',
        '  dying-api:',
        '    kind: http',
        '    start:',
        // The absolute path names the process, for the check that it is gone.
        `      command: node ${join(space, 'provider.js')}`,
        '      ready: { http: /ready }',
        '      database: postgres',
        '  web:',
        '    kind: consumer',
        "    tests: { command: 'true', pacts: pacts }",
        'contracts:',
        '  - { consumer: web, provider: dying-api }',
      ].join('\n'),
    );
    writeFileSync(
      join(space, 'pacts/web-dying-api.json'),
      JSON.stringify({
        consumer: { name: 'web' },
        provider: { name: 'dying-api' },
        interactions: [
          interaction('a first request', '/first'),
          interaction('a request after it exited', '/second'),
        ],
        metadata: { pactSpecification: { version: '3.0.0' } },
      }),
    );
    const verify = startMeshpact(
      ['verify', '--mesh', join(space, 'mesh.yaml'), '--provider', 'dying-api'],
      { TMPDIR: scratch.path },
    );
    // 'close', not 'exit': by then both pipes are drained.
    const closed = new Promise((resolve) => verify.child.once('close', resolve));
    try {
      // The test's own timeout is the guard: before the fix, this never came.
      expect(await closed).toBe(1);
      const stdout = verify.stdout();
      expect(stdout).toContain('✓ web: a first request\n');
      expect(stdout).toContain('✗ web: a request after it exited\n    expected 200 but was 502\n');
      expect(stdout).toContain('dying-api: 1 passed, 1 failed; verification failed\n');
      expect(verify.stderr()).toMatch(
        /^meshpact: the provider at http:\/\/127\.0\.0\.1:\d+\/ did not answer GET \/second: E[A-Z]+$/m,
      );
      expectNothingLeft(scratch.path, space);
    } finally {
      verify.child.kill('SIGKILL');
      scratch.remove();
      rmSync(space, { recursive: true, force: true });
    }
  }, 120_000);
});
