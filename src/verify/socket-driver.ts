import WebSocket from 'ws';

/** A socket on the real /ws gateway, collecting what the server sends. */
export class GatewaySocket {
  readonly frames: Record<string, unknown>[] = [];
  readonly #ws: WebSocket;
  readonly #waiters = new Set<() => void>();
  #closed: { code: number; reason: string } | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      for (const wake of this.#waiters) wake();
    });
    ws.on('close', (code, reason) => {
      this.#closed = { code, reason: reason.toString() };
      for (const wake of this.#waiters) wake();
    });
  }

  /** Connects with a real token, as a browser would (subprotocol auth); resolves once the socket is open. */
  static async open(wsUrl: string, token: string): Promise<GatewaySocket> {
    const ws = new WebSocket(wsUrl, ['meshpact.v1', `bearer.${token}`]);
    const socket = new GatewaySocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`the gateway refused the socket: HTTP ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
    return socket;
  }

  send(frame: object): void {
    this.#ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    this.#ws.send(text);
  }

  /** The first frame (from `from` on) that `matches`; fails with what was seen after `timeoutMs`. */
  async waitFor(
    matches: (frame: Record<string, unknown>) => boolean,
    timeoutMs = 15_000,
    from = 0,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(matches);
      if (found) return found;
      if (this.#closed)
        throw new Error(
          `the gateway closed the socket (${this.#closed.code} ${this.#closed.reason}) before the frame came`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no such frame within ${timeoutMs} ms; got types ${this.frames.map((f) => String(f.type)).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.#waiters.clear();
    }
  }

  /** The agent events of one run received so far, in arrival order. */
  eventsOf(runId: string): Record<string, unknown>[] {
    return this.frames.filter((f) => f.run_id === runId && /^(agent|tool)_/.test(String(f.type)));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ws.once('close', () => resolve());
      this.#ws.close(1000);
    });
  }
}

/**
 * Drives one run through the real gateway: `start_run` (the gateway follows
 * the thread for the starter, so no subscribe is needed), then collects its events until
 * agent_completed. Returns the run's events in the order they arrived.
 */
export async function driveRun(
  socket: GatewaySocket,
  run: { threadId: string; agentName: string; input: string; requestId?: string },
  timeoutMs = 30_000,
): Promise<{
  runId: string;
  accepted: Record<string, unknown>;
  events: Record<string, unknown>[];
}> {
  const requestId =
    run.requestId ?? `verify_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  const from = socket.frames.length;
  socket.send({
    type: 'start_run',
    request_id: requestId,
    thread_id: run.threadId,
    agent_name: run.agentName,
    input: run.input,
  });
  const answer = await socket.waitFor((f) => f.request_id === requestId, timeoutMs, from);
  if (answer.type !== 'run_accepted')
    throw new Error(`start_run was refused: ${JSON.stringify(answer)}`);
  const runId = String(answer.run_id);
  await socket.waitFor((f) => f.type === 'agent_completed' && f.run_id === runId, timeoutMs, from);
  return { runId, accepted: answer, events: socket.eventsOf(runId) };
}
