import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../runtime/listen.js';
import { statesAt } from './states.js';
import { verifyWithPact } from './verifier.js';

// The seam to Pact's verifier on a tiny real provider that serves its states
// over HTTP: results come back per interaction, with the verifier's own
// mismatch text, and state problems by name.

const pact = join(import.meta.dirname, '__fixtures__/shop-catalog.json');
const STATES_PATH = '/_pact/provider-states';

interface Change {
  state: string;
  params?: Record<string, unknown>;
  action: string;
}

/** The catalog provider; its state endpoint knows `known`, and fails a state named in `failing`. */
async function catalog(
  item: Record<string, unknown>,
  options: { missingStatus?: number; known?: string[]; failing?: string } = {},
) {
  const { missingStatus = 404, known = ['an item exists'], failing } = options;
  const items = new Map<string, Record<string, unknown>>();
  const changes: Change[] = [];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('content-type', status < 400 ? 'application/json' : 'application/problem+json');
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === STATES_PATH) {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const change = JSON.parse(text) as Change;
        changes.push(change);
        if (change.action === 'teardown') return (items.clear(), send(res, 200, {}));
        if (!known.includes(change.state))
          return send(res, 400, {
            code: 'provider_state_unknown',
            detail: `no provider state is named "${change.state}" (known: ${known.join(', ')})`,
          });
        if (change.state === failing)
          return send(res, 422, { code: 'provider_state_failed', detail: 'the shelf is gone' });
        items.set('1', item);
        send(res, 200, { item_id: '1' });
      });
      return;
    }
    const found = req.url === '/items/1' ? items.get('1') : undefined;
    send(res, found ? 200 : missingStatus, found ?? {});
  });
  const running = await listen(server);
  return { running, items, changes, statesUrl: `${running.url}${STATES_PATH}` };
}

const verify = (provider: Awaited<ReturnType<typeof catalog>>) =>
  verifyWithPact({
    provider: 'catalog',
    providerBaseUrl: provider.running.url,
    source: { files: [pact] },
    consumers: ['shop'],
    states: statesAt('catalog', provider.statesUrl),
  });

describe('verifyWithPact', () => {
  it('passes each interaction the provider honours, setting its states up and down over HTTP', async () => {
    const provider = await catalog({ name: 'lamp', price: 25 });
    try {
      const report = await verify(provider);
      expect(report.success).toBe(true);
      expect(report.problems).toEqual([]);
      expect(provider.items.size).toBe(0);
      expect(report.interactions).toEqual([
        { consumer: 'shop', description: 'a request for an item', success: true, mismatches: [] },
        {
          consumer: 'shop',
          description: 'a request for a missing item',
          success: true,
          mismatches: [],
        },
      ]);
      // Pact's own protocol; the empty state of the stateless interaction is not forwarded.
      expect(provider.changes).toEqual([
        { state: 'an item exists', params: { name: 'lamp' }, action: 'setup' },
        { state: 'an item exists', params: { name: 'lamp' }, action: 'teardown' },
      ]);
    } finally {
      await provider.running.close();
    }
  }, 60_000);

  it('reports what broke, interaction by interaction', async () => {
    const provider = await catalog({ title: 'lamp', price: 25 }, { missingStatus: 410 });
    try {
      const report = await verify(provider);
      expect(report.success).toBe(false);
      const [item, missing] = report.interactions;
      expect(item?.success).toBe(false);
      expect(item?.mismatches.join('\n')).toMatch(
        /\$ -> Actual map is missing the following keys: name/,
      );
      expect(missing?.mismatches.join('\n')).toMatch(/expected 404 but was 410/i);
      expect(report.output).not.toContain('\u001b[');
    } finally {
      await provider.running.close();
    }
  }, 60_000);

  it('fails on a provider state the provider does not know, naming it', async () => {
    const provider = await catalog({ name: 'lamp', price: 25 }, { known: ['an item is sold out'] });
    try {
      const report = await verify(provider);
      expect(report.success).toBe(false);
      expect(report.problems).toEqual([
        'no provider state is named "an item exists" (known: an item is sold out)',
      ]);
    } finally {
      await provider.running.close();
    }
  }, 60_000);

  it('fails when a provider state cannot be set up, saying why', async () => {
    const provider = await catalog({ name: 'lamp', price: 25 }, { failing: 'an item exists' });
    try {
      const report = await verify(provider);
      expect(report.success).toBe(false);
      expect(report.problems).toEqual([
        'provider state "an item exists" failed: the shelf is gone',
      ]);
    } finally {
      await provider.running.close();
    }
  }, 60_000);

  it('sends an empty JSON object body to the provider, which pact-js alone would leave hanging', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshpact-empty-body-'));
    const received: string[] = [];
    const running = await listen(
      createServer((req, res) => {
        let text = '';
        req.on('data', (chunk: Buffer) => (text += chunk.toString()));
        req.on('end', () => {
          received.push(text);
          res.writeHead(201, { 'content-type': 'application/json' }).end('{"tagged":true}');
        });
      }),
    );
    try {
      const file = join(dir, 'shop-tags.json');
      await writeFile(
        file,
        JSON.stringify({
          consumer: { name: 'shop' },
          provider: { name: 'tags' },
          interactions: [
            {
              description: 'a request to tag an item',
              request: {
                method: 'PUT',
                path: '/items/1/tags/sale',
                headers: { 'Content-Type': 'application/json' },
                body: {},
              },
              response: { status: 201, body: { tagged: true } },
            },
          ],
          metadata: { pactSpecification: { version: '2.0.0' } },
        }),
      );
      const report = await verifyWithPact({
        provider: 'tags',
        providerBaseUrl: running.url,
        source: { files: [file] },
        consumers: ['shop'],
        states: statesAt('tags', `${running.url}${STATES_PATH}`),
        requestTimeoutMs: 5_000,
      });
      expect(report.interactions).toEqual([
        {
          consumer: 'shop',
          description: 'a request to tag an item',
          success: true,
          mismatches: [],
        },
      ]);
      expect(received).toEqual(['{}']);
    } finally {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
