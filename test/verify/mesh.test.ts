import { readFileSync } from 'node:fs';
import { loadMesh } from '../../src/contracts/mesh.js';
import { verifyProvider } from '../../src/verify/verify-provider.js';
import { pactFilesOf } from './pacts.js';

// Every pact the consumers wrote, verified against the real services on real
// Postgres: HTTP with Pact's verifier, /ws frames through the real gateway.

const mesh = loadMesh();
const providers = [...new Set(mesh.contracts.map((pair) => pair.provider))];

const descriptionsIn = (files: string[]) =>
  files.flatMap((file) =>
    (
      JSON.parse(readFileSync(file, 'utf8')) as { interactions: { description: string }[] }
    ).interactions.map((interaction) => interaction.description),
  );

describe('the mesh, verified against the real services', () => {
  it.each(providers)(
    '%s honours every interaction of every consumer',
    async (provider) => {
      const files = pactFilesOf(mesh, provider);
      const report = await verifyProvider(mesh, provider, { source: { files } });

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
    },
    120_000,
  );
});
