import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

// The client fleet of seed-claims, in a process of its own so the server's
// CPU is not the clients': it opens one socket per user (subprotocol
// meshpact.v1 + bearer.<token>), then sends every start_run at once and
// times each from its send to its agent_completed. Driven over the IPC
// channel: it gets one FleetOrder, answers one FleetResult, and exits.

export interface FleetClient {
  token: string;
  threadId: string;
}

export interface FleetOrder {
  url: string;
  clients: FleetClient[];
  input: string;
  /** A run not completed this long after its start_run counts as an error. */
  timeoutMs: number;
  /** Keep the frames the first client got from its run_accepted to its agent_completed. */
  capture: boolean;
}

export interface FleetResult {
  /** Milliseconds from start_run sent to agent_completed received, one per completed run. */
  durations: number[];
  /** Agent events (frames with a seq) received, all runs together. */
  events: number;
  /** From the first start_run sent to the last agent_completed received. */
  elapsedMs: number;
  /** Events below a completed run's last seq that never arrived. */
  lost: number;
  duplicates: number;
  /** Error frames, sockets closed or failed before their run completed, runs not completed in time. */
  errors: number;
  errorSamples: string[];
  /** With `capture`: the first client's frames, as received. */
  frames: Record<string, unknown>[];
}

interface Progress {
  ws: WebSocket;
  sentAt: number;
  completedAt?: number;
  seqs: Set<number>;
  lastSeq: number;
  duplicates: number;
  failed: boolean;
}

const SUBPROTOCOL = 'meshpact.v1';
/** Handshakes in flight at once while connecting: setting up is not what is measured. */
const OPENING = 100;
const CONNECT_ATTEMPTS = 15;

function connectOnce(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(url, [SUBPROTOCOL, `bearer.${token}`]);
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve(ws)); // connection_established
    ws.once('error', reject);
    ws.once('unexpected-response', (_request, response) => {
      ws.terminate();
      reject(new Error(`handshake answered ${response.statusCode}`));
    });
  });
}

/**
 * A socket of the user's, tried again for a while when refused: a burst just
 * before may have left auth-service's circuit breaker open (503) for seconds.
 */
async function connect(url: string, token: string): Promise<WebSocket> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(url, token);
    } catch (error) {
      if (attempt === CONNECT_ATTEMPTS) throw error;
      await sleep(1_000);
    }
  }
}

async function run(order: FleetOrder): Promise<FleetResult> {
  const sockets: WebSocket[] = new Array<WebSocket>(order.clients.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(OPENING, order.clients.length) }, async () => {
      while (next < order.clients.length) {
        const index = next++;
        sockets[index] = await connect(order.url, order.clients[index]!.token);
      }
    }),
  );

  const errorSamples: string[] = [];
  const frames: Record<string, unknown>[] = [];
  let unsettled = sockets.length;
  let allSettled!: () => void;
  const settled = new Promise<void>((resolve) => (allSettled = resolve));
  /** A run ends once: completed, or failed with the first reason seen. */
  const settle = (state: Progress, why?: string) => {
    if (state.completedAt !== undefined || state.failed) return;
    if (why === undefined) state.completedAt = performance.now();
    else {
      state.failed = true;
      if (errorSamples.length < 5) errorSamples.push(why);
    }
    if (--unsettled === 0) allSettled();
  };

  const progress = sockets.map((ws, index): Progress => {
    const state: Progress = {
      ws,
      sentAt: 0,
      seqs: new Set(),
      lastSeq: 0,
      duplicates: 0,
      failed: false,
    };
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (order.capture && index === 0 && state.completedAt === undefined) frames.push(frame);
      if (typeof frame.seq === 'number') {
        if (state.seqs.has(frame.seq)) state.duplicates++;
        state.seqs.add(frame.seq);
      }
      if (frame.type === 'error') {
        settle(state, `error frame ${String(frame.code)}: ${String(frame.message)}`);
      } else if (frame.type === 'agent_completed') {
        state.lastSeq = frame.seq as number;
        settle(state);
      }
    });
    // An 'error' is followed by 'close', which counts it.
    ws.on('error', () => undefined);
    ws.on('close', (code) => settle(state, `socket closed (${code}) before its run completed`));
    return state;
  });

  const startedAt = performance.now();
  for (const [index, state] of progress.entries()) {
    state.sentAt = performance.now();
    state.ws.send(
      JSON.stringify({
        type: 'start_run',
        request_id: `seed-${index}`,
        thread_id: order.clients[index]!.threadId,
        agent_name: 'calculator',
        input: order.input,
      }),
    );
  }
  const timer = setTimeout(allSettled, order.timeoutMs);
  await settled;
  clearTimeout(timer);

  let last = startedAt;
  const durations: number[] = [];
  let events = 0;
  let lost = 0;
  let duplicates = 0;
  let errors = 0;
  for (const state of progress) {
    events += state.seqs.size;
    duplicates += state.duplicates;
    if (state.completedAt === undefined) {
      if (!state.failed && errorSamples.length < 5)
        errorSamples.push(`run not completed within ${order.timeoutMs} ms`);
      errors++;
      continue;
    }
    last = Math.max(last, state.completedAt);
    durations.push(state.completedAt - state.sentAt);
    lost += state.lastSeq - state.seqs.size;
  }
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000, 'done');
        }),
    ),
  );
  return {
    durations,
    events,
    elapsedMs: last - startedAt,
    lost,
    duplicates,
    errors,
    errorSamples,
    frames,
  };
}

// Ends with its parent: an interrupted benchmark leaves no fleet behind.
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => process.exit(130)).on('SIGTERM', () => process.exit(143));
process.once('message', (order: FleetOrder) => {
  run(order).then(
    (result) => process.send!(result, () => process.disconnect()),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
