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
  /**
   * Reconnect delays after a drop: doubling from `minDelayMs` up to `maxDelayMs`
   * (default 250 ms up to 10 s), and back to `minDelayMs` once a reconnect succeeds.
   */
  reconnect?: { minDelayMs: number; maxDelayMs: number } | false;
}

/**
 * Why a request or the iterator failed: an `error` frame's code, or
 * `not_connected` (no open socket to send on), `connection_lost` (the socket
 * closed before the answer came), `session_ended` (the gateway closed it with
 * 4403 after a logout; the stream does not reconnect) or `stream_closed`
 * (close() was called).
 */
export class EventStreamError extends Error {
  readonly code: string;
  /** For `rate_limited`: seconds until the gateway would accept the request. */
  readonly retryAfter: number | undefined;

  constructor(code: string, message: string, retryAfter?: number) {
    super(`${code}: ${message}`);
    this.name = 'EventStreamError';
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** What `on('closed')` hears: the close code and reason, and when the next attempt is due. */
export interface ClosedEvent {
  code: number;
  reason: string;
  /** The delay before reconnecting; absent when the stream will not reconnect. */
  reconnectInMs?: number;
}

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;
type Listener<T> = (frame: T) => void;

const OPEN = 1;
/** The gateway's close code for a socket whose session ended (a logout). */
const SESSION_ENDED = 4403;
const DEFAULT_RECONNECT = { minDelayMs: 250, maxDelayMs: 10_000 };

/**
 * The web app's view of backend-events (/ws): typed callbacks per frame type,
 * an async iterator of agent events, and resume. It remembers the last seq it
 * saw of each run; after a drop it reconnects and resubscribes each thread
 * with `after_seq`, so the events a user sees are every event once, in order.
 * Requests in flight when the socket drops (start_run, ping) are rejected,
 * not resent: the gateway may or may not have acted on them.
 */
export class EventStream implements AsyncIterable<AgentEvent> {
  readonly #options: EventStreamOptions;
  readonly #reconnect: { minDelayMs: number; maxDelayMs: number } | false;
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
  /** Set when the socket dropped for good (reconnect off): the iterator ends with it. */
  #lost: EventStreamError | undefined;
  /** From a drop until the reconnect after it has resubscribed. */
  #reconnectDue = false;
  /** Bumped by connect() and close(), so a reconnect scheduled before either does not run. */
  #generation = 0;
  #requests = 0;
  #delay: number;

  constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#reconnect =
      options.reconnect === false ? false : (options.reconnect ?? DEFAULT_RECONNECT);
    this.#delay = this.#reconnect ? this.#reconnect.minDelayMs : 0;
  }

  /** Opens the socket; resolves with `connection_established`. */
  async connect(): Promise<ConnectionEstablishedFrame> {
    this.#closedByUser = false;
    this.#lost = undefined;
    this.#reconnectDue = false;
    this.#generation++;
    return this.#open();
  }

  async #open(): Promise<ConnectionEstablishedFrame> {
    const token = await this.#options.token();
    // close() may have been called while the token was being fetched.
    if (this.#closedByUser)
      throw new EventStreamError('stream_closed', 'the event stream was closed');
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
    this.#sendOrResubscribe({
      type: 'subscribe',
      thread_id: threadId,
      ...(replay ? { run_id: replay.runId, after_seq: replay.afterSeq ?? 0 } : {}),
    });
  }

  unsubscribe(threadId: string): void {
    this.#threads.delete(threadId);
    this.#sendOrResubscribe({ type: 'unsubscribe', thread_id: threadId });
  }

  /** Starts a run; resolves with `run_accepted`, rejects with the `error` frame's code. */
  startRun(request: {
    threadId: string;
    agentName: string;
    input: string;
  }): Promise<RunAcceptedFrame> {
    const requestId = `req_${++this.#requests}`;
    this.#threads.add(request.threadId);
    return this.#request<RunAcceptedFrame>(requestId, {
      type: 'start_run',
      request_id: requestId,
      thread_id: request.threadId,
      agent_name: request.agentName,
      input: request.input,
    });
  }

  /** Resolves with `pong`; rejects when the socket is not open or drops first. */
  ping(): Promise<PongFrame> {
    const id = `ping_${++this.#requests}`;
    return this.#request<PongFrame>(id, { type: 'ping', id });
  }

  /** Calls `listener` with every frame of this type; returns how to stop. */
  on<T extends ServerFrame['type']>(type: T, listener: Listener<FrameOf<T>>): () => void;
  on(type: 'event', listener: Listener<AgentEvent>): () => void;
  /** A drop the stream did not ask for (not after close()). */
  on(type: 'closed', listener: Listener<ClosedEvent>): () => void;
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
        if (this.#reconnect) this.#delay = this.#reconnect.minDelayMs;
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

  /**
   * Agent events as they arrive, until the stream is closed; when the socket
   * drops and the stream does not reconnect, it throws `connection_lost`.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<AgentEvent> {
    const queue: AgentEvent[] = [];
    let wake: (() => void) | undefined;
    const stop = this.on('event', (event) => {
      queue.push(event);
      wake?.();
    });
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.#closedByUser) return;
        if (this.#lost) throw this.#lost;
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
    this.#generation++;
    this.#socket?.close(1000, 'client closed');
    this.#rejectPending(new EventStreamError('stream_closed', 'the event stream was closed'));
    for (const wake of this.#wakers) wake();
  }

  #send(frame: object): void {
    if (this.#socket?.readyState !== OPEN)
      throw new EventStreamError('not_connected', 'the event stream is not connected');
    this.#socket.send(JSON.stringify(frame));
  }

  /** While a reconnect is due, the resubscription after it carries the change; otherwise sends. */
  #sendOrResubscribe(frame: object): void {
    if (this.#socket?.readyState !== OPEN && this.#reconnectDue && !this.#closedByUser) return;
    this.#send(frame);
  }

  /** Sends a frame whose answer names `key`; the promise settles with that answer or a drop. */
  #request<T>(key: string, frame: object): Promise<T> {
    if (this.#socket?.readyState !== OPEN)
      return Promise.reject(
        new EventStreamError('not_connected', 'the event stream is not connected'),
      );
    const answer = this.#await<T>(key);
    this.#send(frame);
    return answer;
  }

  #rejectPending(error: EventStreamError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
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
    const error = new EventStreamError(frame.code, frame.message, frame.retry_after);
    this.#pending.get(key)?.reject(error);
    this.#pending.delete(key);
  }

  #emit(type: string, frame: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) (listener as Listener<unknown>)(frame);
  }

  /**
   * After a drop: every request in flight is rejected, then the stream
   * reconnects with backoff, resubscribes each thread and resumes each open
   * run from its last seq. Without reconnect, the iterator ends with the drop.
   */
  #onClose(socket: WebSocketLike, code: number, reason: string): void {
    if (socket !== this.#socket || this.#closedByUser) return;
    const lost = new EventStreamError(
      'connection_lost',
      `the socket closed (${code}${reason ? ` ${reason}` : ''})`,
    );
    this.#rejectPending(lost);
    // A session that ended (logged out) does not come back by reconnecting: only signing in again does.
    const ended = code === SESSION_ENDED;
    if (!this.#reconnect || ended) {
      this.#lost = ended
        ? new EventStreamError('session_ended', 'the session has ended; sign in again')
        : lost;
      this.#emit('closed', { code, reason });
      for (const wake of this.#wakers) wake();
      return;
    }
    this.#emit('closed', { code, reason, reconnectInMs: this.#scheduleReconnect() });
  }

  /** Schedules the next attempt and returns its delay; the one after waits twice as long. */
  #scheduleReconnect(): number {
    const { maxDelayMs } = this.#reconnect || DEFAULT_RECONNECT;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, maxDelayMs);
    this.#reconnectDue = true;
    const generation = this.#generation;
    setTimeout(() => {
      if (this.#closedByUser || generation !== this.#generation) return;
      const previous = this.#socket;
      this.#open().then(
        () => {
          // Closed again already: #onClose has scheduled the next attempt.
          if (this.#socket?.readyState !== OPEN) return;
          this.#reconnectDue = false;
          this.#resubscribe();
        },
        () => {
          // A socket that opened and closed has scheduled the next attempt in #onClose;
          // a failure before any socket (the token callback threw) has not.
          if (this.#socket === previous && generation === this.#generation)
            this.#scheduleReconnect();
        },
      );
    }, delay);
    return delay;
  }

  #resubscribe(): void {
    for (const threadId of this.#threads) {
      const open = [...this.#runs].filter(([, run]) => run.threadId === threadId && !run.completed);
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
  }
}
