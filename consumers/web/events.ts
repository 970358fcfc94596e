import WebSocketImpl from 'ws';
import type {
  AgentEvent,
  ConnectionEstablishedFrame,
  ErrorFrame,
  PongFrame,
  RunAcceptedFrame,
  ServerFrame,
} from '../../src/schemas/types.generated.js';

/** The part of the WebSocket API the stream uses: the browser's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface EventStreamOptions {
  /** e.g. `wss://api.example.com/ws` */
  url: string;
  /** The current access token; asked again on every (re)connect. */
  token: () => string | Promise<string>;
  /** Defaults to the `ws` package. */
  connect?: WebSocketFactory;
  /** Reconnect delays after a drop: doubling from `minDelayMs` up to `maxDelayMs`. */
  reconnect?: { minDelayMs: number; maxDelayMs: number } | false;
}

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
type Listener<T> = (frame: T) => void;

const OPEN = 1;

/**
 * The web app's view of backend-events (/ws): typed callbacks per frame type,
 * an async iterator of agent events, and resume. It remembers the last seq it
 * saw of each run; after a drop it reconnects and resubscribes each thread
 * with `after_seq`, so the events a user sees are every event once, in order.
 */
export class EventStream implements AsyncIterable<AgentEvent> {
  readonly #options: EventStreamOptions;
  readonly #listeners = new Map<string, Set<Listener<never>>>();
  readonly #threads = new Set<string>();
  /** Per run: its thread, the last seq handled, and whether it completed. */
  readonly #runs = new Map<string, { threadId: string; lastSeq: number; completed: boolean }>();
  readonly #wakers = new Set<() => void>();
  readonly #pending = new Map<
    string,
    { resolve: (frame: never) => void; reject: (error: Error) => void }
  >();
  #socket: WebSocketLike | undefined;
  #closedByUser = false;
  #requests = 0;
  #delay: number;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#delay = options.reconnect === false ? 0 : (options.reconnect?.minDelayMs ?? 250);
  }

  /** Opens the socket; resolves with `connection_established`. */
  async connect(): Promise<ConnectionEstablishedFrame> {
    this.#closedByUser = false;
    const token = await this.#options.token();
    const factory =
      this.#options.connect ??
      ((url, protocols) => new WebSocketImpl(url, protocols) as unknown as WebSocketLike);
    const socket = factory(this.#options.url, ['meshpact.v1', `bearer.${token}`]);
    this.#socket = socket;
    const established = new Promise<ConnectionEstablishedFrame>((resolve, reject) => {
      this.#pending.set('connection_established', {
        resolve: resolve,
        reject,
      });
    });
    socket.onmessage = (event) => this.handleFrame(JSON.parse(String(event.data)) as ServerFrame);
    socket.onerror = () => undefined;
    socket.onclose = (event) => this.#onClose(socket, event.code, event.reason);
    return established;
  }

  /** Follows a thread; with `runId`, its stored events after `afterSeq` are replayed first. */
  subscribe(threadId: string, replay?: { runId: string; afterSeq?: number }): void {
    this.#threads.add(threadId);
    if (replay) this.#track(replay.runId, threadId, replay.afterSeq ?? 0);
    this.#send({
      type: 'subscribe',
      thread_id: threadId,
      ...(replay ? { run_id: replay.runId, after_seq: replay.afterSeq ?? 0 } : {}),
    });
  }

  unsubscribe(threadId: string): void {
    this.#threads.delete(threadId);
    this.#send({ type: 'unsubscribe', thread_id: threadId });
  }

  /** Starts a run; resolves with `run_accepted`, rejects with the `error` frame's code. */
  startRun(request: {
    threadId: string;
    agentName: string;
    input: string;
  }): Promise<RunAcceptedFrame> {
    const requestId = `req_${++this.#requests}`;
    this.#threads.add(request.threadId);
    const accepted = this.#await<RunAcceptedFrame>(requestId);
    this.#send({
      type: 'start_run',
      request_id: requestId,
      thread_id: request.threadId,
      agent_name: request.agentName,
      input: request.input,
    });
    return accepted;
  }

  ping(): Promise<PongFrame> {
    const id = `ping_${++this.#requests}`;
    const pong = this.#await<PongFrame>(id);
    this.#send({ type: 'ping', id });
    return pong;
  }

  /** Calls `listener` with every frame of this type; returns how to stop. */
  on<T extends ServerFrame['type']>(type: T, listener: Listener<FrameOf<T>>): () => void;
  on(type: 'event', listener: Listener<AgentEvent>): () => void;
  on(type: 'closed', listener: Listener<{ code: number; reason: string }>): () => void;
  on(type: string, listener: Listener<never>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * The frame handler: every server frame goes through here. Agent events of
   * a run arrive in seq order; one already handled (a replay overlapping what
   * was seen live) is dropped. `error` frames reach `on('error')` and reject
   * the request they answer.
   */
  handleFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'connection_established':
        this.#delay = this.#options.reconnect ? this.#options.reconnect.minDelayMs : this.#delay;
        this.#settle('connection_established', frame);
        break;
      case 'run_accepted':
        this.#track(frame.run_id, frame.thread_id, 0);
        this.#settle(frame.request_id, frame);
        break;
      case 'pong':
        this.#settle(frame.id, frame);
        break;
      case 'error':
        if (frame.request_id) this.#fail(frame.request_id, frame);
        break;
      case 'subscribed':
      case 'unsubscribed':
        break;
      default: {
        const run = this.#track(frame.run_id, frame.thread_id, 0);
        if (frame.seq <= run.lastSeq) return;
        run.lastSeq = frame.seq;
        if (frame.type === 'agent_completed') run.completed = true;
        this.#emit('event', frame);
      }
    }
    this.#emit(frame.type, frame);
  }

  /** Agent events as they arrive, until the stream is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    const queue: AgentEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = this.on('event', (event) => {
      queue.push(event);
      wake?.();
    });
    try {
      while (!this.#closedByUser || queue.length > 0) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          this.#wakers.add(resolve);
        });
        if (wake) this.#wakers.delete(wake);
      }
    } finally {
      stop();
    }
  }

  close(): void {
    this.#closedByUser = true;
    this.#socket?.close(1000, 'client closed');
    for (const [key, pending] of this.#pending) {
      pending.reject(new Error('the event stream was closed'));
      this.#pending.delete(key);
    }
    for (const wake of this.#wakers) wake();
  }

  #send(frame: object): void {
    if (this.#socket?.readyState !== OPEN) throw new Error('the event stream is not connected');
    this.#socket.send(JSON.stringify(frame));
  }

  #track(runId: string, threadId: string, afterSeq: number) {
    let run = this.#runs.get(runId);
    if (!run) this.#runs.set(runId, (run = { threadId, lastSeq: afterSeq, completed: false }));
    return run;
  }

  #await<T>(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(key, { resolve: resolve, reject });
    });
  }

  #settle(key: string, frame: ServerFrame): void {
    this.#pending.get(key)?.resolve(frame as never);
    this.#pending.delete(key);
  }

  #fail(key: string, frame: ErrorFrame): void {
    const error = Object.assign(new Error(`${frame.code}: ${frame.message}`), { code: frame.code });
    this.#pending.get(key)?.reject(error);
    this.#pending.delete(key);
  }

  #emit(type: string, frame: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as Listener<unknown>)(frame);
  }

  /** After a drop: reconnect with backoff, then resubscribe each thread and resume each open run from its last seq. */
  #onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.#socket || this.#closedByUser) return;
    this.#pending
      .get('connection_established')
      ?.reject(new Error(`the gateway closed the socket: ${code} ${reason}`));
    this.#pending.delete('connection_established');
    this.#emit('closed', { code, reason });
    if (this.#options.reconnect === false) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#options.reconnect?.maxDelayMs ?? 10_000);
    setTimeout(() => {
      if (this.#closedByUser) return;
      this.connect().then(
        () => {
          for (const threadId of this.#threads) {
            const open = [...this.#runs].filter(
              ([, run]) => run.threadId === threadId && !run.completed,
            );
            if (open.length === 0) this.#send({ type: 'subscribe', thread_id: threadId });
            for (const [runId, run] of open) {
              this.#send({
                type: 'subscribe',
                thread_id: threadId,
                run_id: runId,
                after_seq: run.lastSeq,
              });
            }
          }
        },
        () => undefined,
      );
    }, delay);
  }
}
