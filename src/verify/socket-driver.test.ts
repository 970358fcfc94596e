import { createServer, type IncomingHttpHeaders } from 'node:http';
import { WebSocketServer } from 'ws';
import { listen, type Listening } from '../runtime/listen.js';
import { conversationRequest, converse } from './socket-driver.js';

// A toy provider on purpose: the driver must hold a conversation with any
// protocol. It greets, echoes each JSON frame, and names each text frame that is not JSON.
async function startToyServer() {
  const seen: { path?: string; protocol?: string; headers?: IncomingHttpHeaders } = {};
  const server = createServer();
  const wss = new WebSocketServer({
    server,
    handleProtocols: (offered) => [...offered][0] ?? false,
  });
  wss.on('connection', (ws, request) => {
    Object.assign(seen, { path: request.url, protocol: ws.protocol, headers: request.headers });
    ws.send(JSON.stringify({ kind: 'hello' }));
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      try {
        ws.send(JSON.stringify({ kind: 'echo', of: JSON.parse(text) as unknown }));
      } catch {
        ws.send(`not json: ${text}`);
      }
    });
  });
  const listening: Listening = await listen(server);
  return {
    seen,
    wsUrl: `${listening.url.replace(/^http/, 'ws')}/socket`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await listening.close();
    },
  };
}

describe('converse', () => {
  let toy: Awaited<ReturnType<typeof startToyServer>>;
  beforeAll(async () => {
    toy = await startToyServer();
  });
  afterAll(() => toy.close());

  it('connects as the request says, sends each frame in order and collects every answer', async () => {
    const request = conversationRequest({
      connection: {
        path: '/other?x=1',
        subprotocols: ['toy.v1', 'bearer.t'],
        headers: { authorization: 'Bearer t' },
      },
      frames: [{ n: 1 }, 'plain words'],
    });
    const collected = await converse(toy.wsUrl, request, 3, { frameTimeoutMs: 2_000 });

    expect(collected).toEqual({
      frames: [{ kind: 'hello' }, { kind: 'echo', of: { n: 1 } }, 'not json: plain words'],
    });
    expect(toy.seen).toMatchObject({
      path: '/other?x=1',
      protocol: 'toy.v1',
      headers: { authorization: 'Bearer t' },
    });
  });

  it("uses the endpoint's own path when the request names none", async () => {
    await converse(toy.wsUrl, conversationRequest({ frames: [] }), 1, { frameTimeoutMs: 2_000 });
    expect(toy.seen.path).toBe('/socket');
  });

  it('says why it stopped when fewer frames came than expected', async () => {
    const collected = await converse(toy.wsUrl, conversationRequest({ frames: [{ n: 1 }] }), 3, {
      frameTimeoutMs: 200,
    });
    expect(collected).toEqual({
      frames: [{ kind: 'hello' }, { kind: 'echo', of: { n: 1 } }],
      stopped: 'no frame came within 200 ms',
    });
  });

  it('reads no further than the frames the contract expects, however fast more come', async () => {
    const request = conversationRequest({ frames: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    const collected = await converse(toy.wsUrl, request, 2, { frameTimeoutMs: 2_000 });
    expect(collected).toEqual({ frames: [{ kind: 'hello' }, { kind: 'echo', of: { n: 1 } }] });
  });

  it('gives up on a conversation that outlasts its deadline, though each frame came in time', async () => {
    // The frame timeout is far past the deadline, so a busy machine that stalls
    // both timers still lets the deadline fire first.
    const collected = await converse(toy.wsUrl, conversationRequest({ frames: [] }), 2, {
      frameTimeoutMs: 20_000,
      deadlineMs: 300,
    });
    expect(collected).toEqual({
      frames: [{ kind: 'hello' }],
      stopped: 'the conversation took longer than 300 ms',
    });
  });

  it("keeps the connection on the endpoint's host whatever path the contract names", async () => {
    for (const path of ['//elsewhere.invalid/steal', 'http://elsewhere.invalid/x', 'ws:x', 'x'])
      expect(() => conversationRequest({ connection: { path }, frames: [] })).toThrow(
        'connection.path must be a path on the provider, starting with one /',
      );
    await converse(
      toy.wsUrl,
      conversationRequest({ connection: { path: '/a/../b?q=1' }, frames: [] }),
      1,
      {
        frameTimeoutMs: 2_000,
      },
    );
    expect(toy.seen.path).toBe('/b?q=1');
  });

  it('says when the endpoint refuses the socket', async () => {
    const refusing = createServer((_request, response) => response.writeHead(401).end('no token'));
    const listening = await listen(refusing);
    try {
      await expect(
        converse(
          `${listening.url.replace(/^http/, 'ws')}/ws`,
          conversationRequest({ frames: [] }),
          1,
          {
            frameTimeoutMs: 2_000,
          },
        ),
      ).rejects.toThrow(/\/ws refused the socket: HTTP 401 no token/);
    } finally {
      await listening.close();
    }
  });
});

describe('conversationRequest', () => {
  it('reads the optional parts with their defaults', () => {
    expect(conversationRequest({ frames: ['x'], flow: 'partial' })).toEqual({
      connection: { subprotocols: [], headers: {} },
      frames: ['x'],
      partialFlows: true,
    });
  });

  it('says what is wrong with a request that is no conversation', () => {
    expect(() => conversationRequest({ type: 'ping' })).toThrow(
      'the request message must be {connection?, frames: [...], flow?}',
    );
    expect(() => conversationRequest({ frames: [], connection: { subprotocols: 'a' } })).toThrow(
      'the request message connection.subprotocols must be a list of text',
    );
  });
});
