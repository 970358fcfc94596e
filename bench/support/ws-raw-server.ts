import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { serve } from './child.js';

// ws-fanout's raw baseline: a plain `ws` server that hears the same stored
// events as meshpact's gateway (the same Postgres NOTIFY channel, the same
// producer) and broadcasts each, serialized once, to every socket subscribed
// to its thread. It answers the handshake frames the fleet expects and
// nothing else: no auth, no tenancy, no dedupe, no back-pressure, no logs.

const CHANNEL = 'meshpact_run_events';

const server = createServer();
const wss = new WebSocketServer({
  server,
  path: '/ws',
  handleProtocols: (offered) => (offered.has('meshpact.v1') ? 'meshpact.v1' : false),
});
const byThread = new Map<string, Set<WebSocket>>();
let listener: pg.Client | undefined;

wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'connection_established' }));
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as { type: string; thread_id: string };
    if (frame.type !== 'subscribe') return;
    let set = byThread.get(frame.thread_id);
    if (!set) byThread.set(frame.thread_id, (set = new Set()));
    set.add(ws);
    ws.on('close', () => set.delete(ws));
    ws.send(JSON.stringify({ type: 'subscribed', thread_id: frame.thread_id }));
  });
});

serve(
  {
    async listen({ connectionString }: { connectionString: string }) {
      listener = new pg.Client({ connectionString });
      listener.on('notification', ({ payload }) => {
        if (!payload) return;
        const item = JSON.parse(payload) as { thread_id: string; event: unknown };
        const subscribers = byThread.get(item.thread_id);
        if (!subscribers || subscribers.size === 0) return;
        const frame = Buffer.from(JSON.stringify(item.event));
        for (const ws of subscribers) ws.send(frame, { binary: false });
      });
      await listener.connect();
      await listener.query(`LISTEN ${CHANNEL}`);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { wsUrl: `ws://127.0.0.1:${port}/ws` };
    },
  },
  async () => {
    for (const ws of wss.clients) ws.terminate();
    server.close();
    await listener?.end();
  },
);
