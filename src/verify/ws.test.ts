import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { FlowRules } from '../contracts/mesh-model.js';
import { listen } from '../runtime/listen.js';
import type { VerificationReport } from './results.js';
import { verifyMessageProvider, withHeld } from './ws.js';

// verifyMessageProvider on a toy provider that knows nothing of meshpact: a
// socket that wants the token its state endpoint hands out, greets, and
// answers each `count` frame with `n` numbered `tick` frames of one flow.

async function startCounter(options: { skip?: number } = {}) {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ token: 'real-token' }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (request.headers.authorization !== 'Bearer real-token') {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify({ kind: 'hello' }));
      ws.on('message', (data: Buffer) => {
        const { n } = JSON.parse(data.toString('utf8')) as { n: number };
        for (let seq = 1; seq <= n; seq++)
          if (seq !== options.skip) ws.send(JSON.stringify({ kind: 'tick', flow: 'f', seq }));
      });
    });
  });
  const listening = await listen(server);
  return {
    wsUrl: `${listening.url.replace(/^http/, 'ws')}/count`,
    statesUrl: `${listening.url}/states`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await listening.close();
    },
  };
}

/** A pact as plain pact-js writes one: a conversation whose token comes from a provider state. */
function writePact(expected: number, frames: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ws-pact-')), 'pact.json');
  const conversation = {
    type: 'Synchronous/Messages',
    description: 'a count',
    providerStates: [{ name: 'a token' }],
    request: {
      contents: {
        content: {
          connection: { headers: { authorization: 'Bearer example' } },
          frames: [{ n: expected }],
        },
        contentType: 'application/json',
        encoded: false,
      },
      generators: {
        body: {
          '$.connection.headers.authorization': {
            type: 'ProviderState',
            expression: 'Bearer ${token}',
          },
        },
      },
    },
    response: [{ contents: { content: { frames }, contentType: 'application/json' } }],
  };
  writeFileSync(
    file,
    JSON.stringify({
      consumer: { name: 'counter-app' },
      provider: { name: 'counter' },
      interactions: [conversation],
      metadata: { pactSpecification: { version: '4.0' } },
    }),
  );
  return file;
}

const flow: FlowRules = { discriminator: 'kind', groupBy: 'flow', sequence: 'seq', pairs: [] };
const tick = (seq: number) => ({ kind: 'tick', flow: 'f', seq });

describe('verifyMessageProvider', () => {
  const verify = async (pact: string, counter: Awaited<ReturnType<typeof startCounter>>) => {
    try {
      return await verifyMessageProvider({
        provider: 'counter',
        wsUrl: counter.wsUrl,
        statesUrl: counter.statesUrl,
        flow,
        source: { files: [pact] },
        consumers: ['counter-app'],
        frameTimeoutMs: 300,
      });
    } finally {
      await counter.close();
    }
  };

  it("passes a conversation the provider holds, with the state's token filled in", async () => {
    const report = await verify(
      writePact(2, [{ kind: 'hello' }, tick(1), tick(2)]),
      await startCounter(),
    );
    expect(report.interactions).toEqual([
      { consumer: 'counter-app', description: 'a count', success: true, mismatches: [] },
    ]);
  }, 30_000);

  it('names the first frame that differs, with the one received', async () => {
    const report = await verify(
      writePact(2, [{ kind: 'hello' }, { kind: 'tock', flow: 'f', seq: 1 }, tick(2)]),
      await startCounter(),
    );
    expect(report.success).toBe(false);
    expect(report.interactions[0]?.mismatches[0]).toBe(
      'frames[1] is the first frame that differs; received {"kind":"tick","flow":"f","seq":1}',
    );
  }, 30_000);

  it('says how many frames came of how many, the last one seen, and the broken flow', async () => {
    const report = await verify(
      writePact(3, [{ kind: 'hello' }, tick(1), tick(2), tick(3)]),
      await startCounter({ skip: 2 }),
    );
    expect(report.success).toBe(false);
    expect(report.interactions[0]?.mismatches).toEqual([
      'frames[3] never came: received 3 of 4 frames before no frame came within 300 ms; the last one seen: frames[2] {"kind":"tick","flow":"f","seq":3}',
      'frames[2] (seq 3) /seq: must be 2 (seq has a gap or is out of order)',
    ]);
  }, 30_000);
});

describe('withHeld', () => {
  const report: VerificationReport = {
    provider: 'backend-events',
    success: true,
    problems: [],
    output: '',
    interactions: [
      { consumer: 'web-app', description: 'a run', success: true, mismatches: [] },
      { consumer: 'web-app', description: 'a pong', success: true, mismatches: [] },
    ],
  };
  const clean = { frames: [], problems: [] };

  it("fails the interactions the socket driver found broken, with the driver's words first", () => {
    const problem = 'frames[2] (seq 4) /seq: must be 3 (seq has a gap or is out of order)';
    const found = withHeld(report, new Map([['a run', [{ frames: [], problems: [problem] }]]]));

    expect(found.success).toBe(false);
    expect(found.interactions).toEqual([
      { consumer: 'web-app', description: 'a run', success: false, mismatches: [problem] },
      report.interactions[1],
    ]);
  });

  it('leaves a clean report alone', () => {
    expect(withHeld(report, new Map([['a run', [clean]]]))).toEqual(report);
  });

  it("names the lowest frame index among Pact's mismatches, with the frame received there", () => {
    const failed: VerificationReport = {
      ...report,
      success: false,
      interactions: [
        {
          consumer: 'c',
          description: 'a talk',
          success: false,
          mismatches: ['$.frames[2].id -> differs', '$.frames[0].type -> differs'],
        },
      ],
    };
    const named = withHeld(
      failed,
      new Map([['a talk', [{ frames: [{ type: 'x' }], problems: [] }]]]),
    );
    expect(named.interactions[0]?.mismatches).toEqual([
      'frames[0] is the first frame that differs; received {"type":"x"}',
      '$.frames[2].id -> differs',
      '$.frames[0].type -> differs',
    ]);
  });

  it('gives interactions that share a description what each one held, in order', () => {
    const shared: VerificationReport = {
      ...report,
      interactions: [
        { consumer: 'app-a', description: 'a count', success: true, mismatches: [] },
        { consumer: 'app-b', description: 'a count', success: true, mismatches: [] },
      ],
    };
    const found = withHeld(
      shared,
      new Map([['a count', [clean, { frames: [], problems: ['frames[1] never came'] }]]]),
    );
    expect(found.interactions.map((i) => [i.consumer, i.success])).toEqual([
      ['app-a', true],
      ['app-b', false],
    ]);
  });
});
