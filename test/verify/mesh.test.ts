import { readFileSync } from 'node:fs';
import { loadMesh } from '../../src/contracts/mesh.js';
import type { VerificationReport } from '../../src/verify/results.js';
import { verifyProviders } from '../../src/verify/verify-provider.js';
import { pactFilesOf } from './pacts.js';

// Every pact the consumers wrote, verified against the real services on real
// Postgres: HTTP with Pact's verifier, /ws frames through the real gateway.
// As `meshpact run` verifies them: every provider on one set of services
// (they all need auth-service), one after another.

const mesh = loadMesh();
const providers = [...new Set(mesh.contracts.map((pair) => pair.provider))];

const descriptionsIn = (files: string[]) =>
  files.flatMap((file) =>
    (
      JSON.parse(readFileSync(file, 'utf8')) as { interactions: { description: string }[] }
    ).interactions.map((interaction) => interaction.description),
  );

describe('the mesh, verified against the real services', () => {
  const heard: string[] = [];
  let reports: VerificationReport[];
  beforeAll(async () => {
    reports = await verifyProviders(mesh, providers, {
      source: (provider) => ({ files: pactFilesOf(mesh, provider) }),
      verified: (report) => heard.push(report.provider),
    });
  }, 180_000);

  it.each(providers)('%s honours every interaction of every consumer', (provider) => {
    const files = pactFilesOf(mesh, provider);
    const report = reports.find((r) => r.provider === provider)!;

    expect(report.problems).toEqual([]);
    expect(report.interactions.filter((i) => !i.success)).toEqual([]);
    expect(report.interactions.map((i) => i.description).sort()).toEqual(
      descriptionsIn(files).sort(),
    );
    expect(report.success).toBe(true);
    // Each interaction is credited to the consumer whose pact it is from.
    const consumers = mesh.contracts.filter((pair) => pair.provider === provider);
    expect([...new Set(report.interactions.map((i) => i.consumer))].sort()).toEqual(
      consumers.map((pair) => pair.consumer).sort(),
    );
  });

  it('tells each report as it is made, in the order asked', () => {
    expect(heard).toEqual(providers);
    expect(reports.map((r) => r.provider)).toEqual(providers);
  });
});
