import { createServer } from 'node:http';
import { join } from 'node:path';
import { listen } from '../runtime/listen.js';
import { verifyWithPact } from './verifier.js';

// The seam to Pact's verifier on a tiny real provider: results come back per
// interaction, with the verifier's own mismatch text.

const pact = join(import.meta.dirname, '__fixtures__/shop-catalog.json');

async function catalog(item: Record<string, unknown>, missingStatus = 404) {
  const items = new Map<string, Record<string, unknown>>();
  const server = createServer((req, res) => {
    const found = req.url === '/items/1' ? items.get('1') : undefined;
    res.statusCode = found ? 200 : missingStatus;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(found ?? {}));
  });
  const running = await listen(server);
  return { running, seed: () => items.set('1', item) };
}

describe('verifyWithPact', () => {
  it('passes each interaction the provider honours, setting up its states', async () => {
    const { running, seed } = await catalog({ name: 'lamp', price: 25 });
    const seen: unknown[] = [];
    try {
      const report = await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: running.url,
        source: { files: [pact] },
        consumers: ['shop'],
        states: {
          'an item exists': { setup: (params) => (seen.push(params), seed(), Promise.resolve()) },
        },
      });
      expect(report.success).toBe(true);
      expect(report.interactions).toEqual([
        { consumer: 'shop', description: 'a request for an item', success: true, mismatches: [] },
        {
          consumer: 'shop',
          description: 'a request for a missing item',
          success: true,
          mismatches: [],
        },
      ]);
      expect(seen).toEqual([{ name: 'lamp' }]);
    } finally {
      await running.close();
    }
  }, 60_000);

  it('reports what broke, interaction by interaction', async () => {
    const { running, seed } = await catalog({ title: 'lamp', price: 25 }, 410);
    try {
      const report = await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: running.url,
        source: { files: [pact] },
        consumers: ['shop'],
        states: { 'an item exists': { setup: () => (seed(), Promise.resolve()) } },
      });
      expect(report.success).toBe(false);
      const [item, missing] = report.interactions;
      expect(item?.success).toBe(false);
      expect(item?.mismatches.join('\n')).toMatch(
        /\$ -> Actual map is missing the following keys: name/,
      );
      expect(missing?.mismatches.join('\n')).toMatch(/expected 404 but was 410/i);
      expect(report.output).not.toContain('\u001b[');
    } finally {
      await running.close();
    }
  }, 60_000);
});
