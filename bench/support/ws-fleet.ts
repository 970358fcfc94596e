import WebSocket from 'ws';
import { serve } from './child.js';
import { percentile } from './report.js';

// A fleet of WebSocket clients in a process of its own (ws-fanout): each
// socket speaks meshpact.v1 (connection_established, subscribe, subscribed),
// then every agent event of the armed run is recorded as it arrives: its
// latency from the event's timestamp (set by the producer in the transaction
// that stores it; one clock on one machine) to receipt, and its (client, seq),
// to count what was lost or came twice. The same code measures meshpact's
// gateway and the raw baseline.

interface Connect {
  url: string;
  token: string;
  threadId: string;
  clients: number;
}

interface Arm {
  runId: string;
  events: number;
}

export interface FleetResult {
  /** Frames of the run received, duplicates included. */
  frames: number;
  lost: number;
  duplicated: number;
  /** Sockets the server closed while the run was being sent. */
  closed: number;
  /** From the first event's timestamp to the last's: how fast the producer offered them. */
  committingMs: number;
  /** Distinct frames per second, from the first event's timestamp to the last receipt. */
  framesPerSecond: number;
  p50: number;
  p99: number;
  /** Whether every socket got the run's last event before the timeout. */
  complete: boolean;
}

interface Recording extends Arm {
  seen: Uint8Array;
  latencies: Float64Array;
  received: number;
  frames: number;
  duplicated: number;
  completed: number;
  closed: number;
  first: number;
  lastCommitted: number;
  last: number;
  done: Promise<void>;
  finish(): void;
}

const sockets: WebSocket[] = [];
let recording: Recording | undefined;

/** What one socket does with each frame once it is subscribed. */
function record(client: number, data: Buffer): void {
  const at = Date.now();
  const rec = recording;
  if (!rec) return;
  const frame = JSON.parse(data.toString('utf8')) as {
    run_id?: string;
    seq?: number;
    timestamp?: string;
  };
  if (frame.run_id !== rec.runId || frame.seq === undefined || frame.timestamp === undefined)
    return;
  rec.frames++;
  const slot = client * (rec.events + 1) + frame.seq;
  if (rec.seen[slot] === 1) {
    rec.duplicated++;
    return;
  }
  rec.seen[slot] = 1;
  const committed = Date.parse(frame.timestamp);
  if (committed < rec.first) rec.first = committed;
  if (committed > rec.lastCommitted) rec.lastCommitted = committed;
  rec.latencies[rec.received++] = at - committed;
  rec.last = at;
  if (frame.seq === rec.events && ++rec.completed + rec.closed === sockets.length) rec.finish();
}

function open({ url, token, threadId }: Connect, client: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['meshpact.v1', `bearer.${token}`], {
      perMessageDeflate: false,
    });
    let subscribed = false;
    ws.on('message', (data: Buffer) => {
      if (subscribed) return record(client, data);
      const frame = JSON.parse(data.toString('utf8')) as { type: string };
      if (frame.type === 'connection_established')
        ws.send(JSON.stringify({ type: 'subscribe', thread_id: threadId }));
      else if (frame.type === 'subscribed') {
        subscribed = true;
        resolve(ws);
      } else reject(new Error(`client ${client} got ${frame.type} before subscribed`));
    });
    ws.once('error', reject);
    ws.once('close', (code) => {
      if (!subscribed) reject(new Error(`client ${client} closed with ${code} before subscribed`));
      else if (recording) {
        recording.closed++;
        if (recording.completed + recording.closed === sockets.length) recording.finish();
      }
    });
  });
}

serve(
  {
    /** Opens and subscribes the sockets, 100 handshakes at a time. */
    async connect(args: Connect) {
      const started = Date.now();
      for (let from = 0; from < args.clients; from += 100) {
        const batch = Array.from({ length: Math.min(100, args.clients - from) }, (_, i) =>
          open(args, from + i),
        );
        sockets.push(...(await Promise.all(batch)));
      }
      return { ms: Date.now() - started };
    },
    /** Starts recording the frames of `runId`. */
    arm({ runId, events }: Arm) {
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      recording = {
        runId,
        events,
        seen: new Uint8Array(sockets.length * (events + 1)),
        latencies: new Float64Array(sockets.length * events),
        received: 0,
        frames: 0,
        duplicated: 0,
        completed: 0,
        closed: 0,
        first: Number.POSITIVE_INFINITY,
        lastCommitted: 0,
        last: 0,
        done,
        finish,
      };
    },
    /** Waits until every socket has the run's last event (or `timeoutMs`), then reports. */
    async collect({ timeoutMs }: { timeoutMs: number }): Promise<FleetResult> {
      const rec = recording;
      if (!rec) throw new Error('collect before arm');
      let timer: NodeJS.Timeout | undefined;
      const complete = await Promise.race([
        rec.done.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]);
      clearTimeout(timer);
      recording = undefined;
      const latencies = Array.from(rec.latencies.subarray(0, rec.received));
      return {
        frames: rec.frames,
        lost: sockets.length * rec.events - rec.received,
        duplicated: rec.duplicated,
        closed: rec.closed,
        committingMs: rec.lastCommitted - rec.first,
        framesPerSecond: rec.received / ((rec.last - rec.first) / 1000),
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        complete,
      };
    },
  },
  () => {
    for (const ws of sockets) ws.terminate();
    return Promise.resolve();
  },
);
