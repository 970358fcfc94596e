import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';

// seed-claims' baseline: a plain `ws` server, in a process of its own, that
// answers each start_run with the frames a meshpact run sent (the same JSON,
// the same count: run_accepted, then the run's events), as fast as it can:
// no auth, no database, no feed. Each frame gets the run's own ids and a
// fresh timestamp and is encoded per send, as the gateway encodes it.
// Driven over IPC: it gets the frames of one real run, answers
// { port } once listening, and stops when its parent goes.

type Frame = Record<string, unknown>;

function serve(template: Frame[]): void {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (offered) => (offered.has('meshpact.v1') ? 'meshpact.v1' : false),
  });
  wss.on('connection', (ws) => {
    ws.send(
      JSON.stringify({
        type: 'connection_established',
        connection_id: randomUUID(),
        user_id: randomUUID(),
        server_time: new Date().toISOString(),
      }),
    );
    ws.on('message', (data: Buffer) => {
      const request = JSON.parse(data.toString('utf8')) as Frame;
      if (request.type !== 'start_run') return;
      const runId = randomUUID();
      for (const frame of template) {
        const sent: Frame = { ...frame, run_id: runId, thread_id: request.thread_id };
        if (frame.type === 'run_accepted') sent.request_id = request.request_id;
        if ('event_id' in frame) sent.event_id = randomUUID();
        if ('timestamp' in frame) sent.timestamp = new Date().toISOString();
        ws.send(JSON.stringify(sent));
      }
    });
  });
  wss.on('listening', () => {
    const address = wss.address();
    if (address === null || typeof address === 'string')
      throw new Error(`unexpected address ${address}`);
    process.send!({ port: address.port });
  });
}

process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => process.exit(130)).on('SIGTERM', () => process.exit(143));
process.once('message', (template: Frame[]) => serve(template));
