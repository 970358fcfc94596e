import { createServer } from 'node:http';
import { join } from 'node:path';
import { listen } from '../runtime/listen.js';
import { prepareStates, StateError, type ProviderState } from './states.js';
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
  return { running, seed: () => items.set('1', item), items };
}

const statesOf = (states: Record<string, ProviderState>, reset = () => Promise.resolve()) =>
  prepareStates([{ states, reset }]);

describe('verifyWithPact', () => {
  it('passes each interaction the provider honours, setting up its states', async () => {
    const { running, seed, items } = await catalog({ name: 'lamp', price: 25 });
    const seen: unknown[] = [];
    const states = statesOf(
      { 'an item exists': { setup: (params) => (seen.push(params), seed(), Promise.resolve()) } },
      () => (items.clear(), Promise.resolve()),
    );
    try {
      const report = await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: running.url,
        source: { files: [pact] },
        consumers: ['shop'],
        states,
      });
      expect(report.success).toBe(true);
      expect(report.problems).toEqual([]);
      expect(items.size).toBe(0);
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
        states: statesOf({ 'an item exists': { setup: () => (seed(), Promise.resolve()) } }),
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

  it('fails on a provider state it does not know, naming it', async () => {
    const { running } = await catalog({ name: 'lamp', price: 25 });
    try {
      const report = await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: running.url,
        source: { files: [pact] },
        consumers: ['shop'],
        states: statesOf({ 'an item is sold out': { setup: () => Promise.resolve() } }),
      });
      expect(report.success).toBe(false);
      expect(report.problems).toEqual([
        'no provider state is named "an item exists" (known: an item is sold out)',
      ]);
    } finally {
      await running.close();
    }
  }, 60_000);

  it('fails when a provider state cannot be set up, saying why', async () => {
    const { running } = await catalog({ name: 'lamp', price: 25 });
    try {
      const report = await verifyWithPact({
        provider: 'catalog',
        providerBaseUrl: running.url,
        source: { files: [pact] },
        consumers: ['shop'],
        states: statesOf({
          'an item exists': { setup: () => Promise.reject(new StateError('the shelf is gone')) },
        }),
      });
      expect(report.success).toBe(false);
      expect(report.problems).toEqual([
        'provider state "an item exists" failed: the shelf is gone',
      ]);
    } finally {
      await running.close();
    }
  }, 60_000);
});
