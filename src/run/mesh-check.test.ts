import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMesh } from '../contracts/mesh.js';
import type { Phase, PhaseName } from '../report/model.js';
import { createLogger } from '../runtime/logger.js';
import { packageRoot } from '../runtime/paths.js';
import type { VerificationReport } from '../verify/results.js';
import { runMeshCheck, silentProgress, type Verification } from './mesh-check.js';

// When the check starts the providers' services, and when it tells them to
// verify: the services start before the consumers' contract tests run, so the
// two overlap, and verifying waits for the pacts to be published. Real
// Postgres, broker and test command; a recording verification in place of the
// worker (`meshpact run`'s own is tested whole in test/run.test.ts).

const pact = join(packageRoot(), 'src/verify/__fixtures__/shop-catalog.json');

function meshWith(testCommand: string) {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-check-'));
  writeFileSync(
    join(dir, 'mesh.yaml'),
    [
      'pacticipants:',
      '  catalog: { kind: http, url: "http://127.0.0.1:9/" }',
      `  shop: { kind: consumer, tests: { command: ${JSON.stringify(testCommand)}, pacts: pacts } }`,
      'contracts:',
      '  - { consumer: shop, provider: catalog }',
    ].join('\n'),
  );
  return { mesh: loadMesh(join(dir, 'mesh.yaml')), remove: () => rmSync(dir, { recursive: true }) };
}

/** Runs the check with a verification that notes what it is asked, beside the phases. */
async function noteCheck(testCommand: string) {
  const { mesh, remove } = meshWith(testCommand);
  const noted: string[] = [];
  const report: VerificationReport = {
    provider: 'catalog',
    success: true,
    interactions: [],
    problems: [],
    output: '',
  };
  try {
    await runMeshCheck(
      {
        mesh,
        version: { number: '1.0.0', branch: 'main' },
        logger: createLogger({ level: 'silent' }),
        startVerification: (providers): Verification => {
          noted.push(`verification of ${providers.join(', ')} started`);
          return {
            verify: (verified) => {
              noted.push('told to verify');
              verified(report);
              return Promise.resolve([report]);
            },
            close: () => {
              noted.push('verification closed');
              return Promise.resolve();
            },
          };
        },
      },
      {
        ...silentProgress,
        phaseStarted: (name: PhaseName) => noted.push(`${name} started`),
        phaseEnded: (phase: Phase) => noted.push(`${phase.name} ${phase.status}`),
      },
    );
  } finally {
    remove();
  }
  return noted;
}

describe('runMeshCheck', () => {
  it("starts the providers' services before the contract tests, and verifies once the pacts are published", async () => {
    const noted = await noteCheck(`cp ${pact} {pacts}/shop-catalog.json`);
    expect(noted.slice(0, noted.indexOf('can-i-deploy started'))).toEqual([
      'schemas started',
      'schemas ok',
      'postgres started',
      'postgres ok',
      'broker started',
      'broker ok',
      'verification of catalog started',
      'contracts started',
      'contracts ok',
      'contracts-check started',
      'contracts-check ok',
      'publish started',
      'publish ok',
      'verify started',
      'told to verify',
      'verify ok',
    ]);
    expect(noted.at(-1)).toBe('verification closed');
  }, 60_000);

  it('stops the services started for verification when the contract tests fail, never verifying', async () => {
    const noted = await noteCheck('exit 1');
    expect(noted.slice(noted.indexOf('verification of catalog started'))).toEqual([
      'verification of catalog started',
      'contracts started',
      'contracts failed',
      'verification closed',
    ]);
  }, 60_000);
});
