import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generatePacts } from '../../src/contracts/generate.js';
import { loadMesh } from '../../src/contracts/mesh.js';
import { pactDir } from './pacts.js';

// A broker refuses a pact whose content changed for a consumer version it
// already has (409), and fires contract_content_changed webhooks for it; so a
// second run of the contract tests must write the very same bytes. The first
// run is the global setup's; this writes them once more and compares.

describe('the pacts the consumers write', () => {
  it('are byte for byte the same on another run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshpact-pacts-again-'));
    try {
      const again = await generatePacts(loadMesh(), dir);
      for (const { file } of again.files) {
        const name = basename(file);
        expect({ name, text: readFileSync(file, 'utf8') }).toEqual({
          name,
          text: readFileSync(join(pactDir(), name), 'utf8'),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
