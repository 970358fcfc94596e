import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { knownError } from '../../src/errors/problem.js';
import { DEFAULT_MAX_DEPTH, jsonTextIssues, textIssue } from '../../src/http/json-guard.js';
import type { Clock } from '../../src/runtime/clock.js';
import type { Queryable } from '../../src/runtime/db.js';
import { audit } from '../../src/http/access-log.js';
import type { Logger } from '../../src/runtime/logger.js';
import { inTrace } from '../../src/runtime/trace-context.js';
import type { TraceContext } from '../../src/runtime/traceparent.js';
import { formatIssues, schemaRegistry } from '../../src/schemas/registry.js';
import type {
  AgentEvent,
  ClientFrame,
  ErrorFrame,
  ServerFrame,
} from '../../src/schemas/types.generated.js';
import type { AccessClaims } from '../auth/client.js';
import type { Authenticator } from './authenticator.js';
import { requireAgent, type BackendService } from './backend.service.js';
import type { FeedItem } from './event-feed.js';
import * as store from './store.js';

/**
 * Who is on the socket: the token of the handshake, kept to ask auth-service
 * about it at each write, and the handshake's trace, which the socket's own
 * frames and the runs it starts carry.
 */
export interface Session {
  token: string;
  claims: AccessClaims;
  trace: TraceContext;
}

export interface ConnectionDeps {
  service: BackendService;
  authenticator: Authenticator;
  db: Queryable;
  clock: Clock;
  logger: Logger;
  /** Bytes a client may leave unread before it is closed with 1013. */
  maxBuffered: number;
  subscribe(connection: Connection, threadId: string): void;
  unsubscribe(connection: Connection, threadId: string): void;
}

/** Every frame is JSON text, also when it is handed over as bytes. */
const TEXT = { binary: false } as const;

/** Close codes the gateway uses (RFC 6455 and the 4000 private range). */
export const closeCodes = {
  goingAway: 1001,
  tooBig: 1009,
  tryAgainLater: 1013,
  tokenExpired: 4401,
  sessionEnded: 4403,
} as const;

/**
 * One client socket. Everything it does (client frames, live events, replay)
 * runs through one serial queue, so frames go out in a well-defined order:
 * run_accepted before the run's first event, `subscribed` before its replay.
 *
 * Replay and resume: per run the connection remembers the last seq it sent.
 * A live event at or below it is a duplicate and is dropped; one above the
 * next expected seq means events were missed (replay still running, a
 * notification lost), and the gap is read from Postgres before it is sent.
 * Hence "replay, then live, with no gap and no duplicate".
 *
 * Catch-up: when the event feed lost its LISTEN connection, every notification
 * of that time is gone, including all of a run that started and ended then.
 * So each run of a followed thread with events stored since the subscription
 * is read from the store: from the last seq sent, or for a run not seen yet
 * from its first event since the subscription, as live delivery would have.
 */
export class Connection {
  readonly id = randomUUID();
  readonly claims: AccessClaims;
  readonly #token: string;
  /** Followed threads, each with when it was first subscribed (the bound of a catch-up). */
  readonly threads = new Map<string, Date>();
  readonly #ws: WebSocket;
  readonly #deps: ConnectionDeps;
  readonly #lastSeq = new Map<string, number>();
  readonly #trace: TraceContext;
  /** Per run: the trace of the request that started it, which the lines of its event frames carry. */
  readonly #runTraces = new Map<string, string>();
  #queue: Promise<void> = Promise.resolve();
  /** Tasks queued or running; while there are none, a live event needs no task of its own. */
  #queued = 0;
  alive = true;

  constructor(ws: WebSocket, { token, claims, trace }: Session, deps: ConnectionDeps) {
    this.#ws = ws;
    this.#token = token;
    this.claims = claims;
    this.#trace = trace;
    this.#deps = deps;
    this.#send({
      type: 'connection_established',
      connection_id: this.id,
      user_id: claims.sub,
      server_time: deps.clock.now().toISOString(),
    });
    ws.on('message', (data: Buffer, isBinary) =>
      this.#enqueue(() => this.#onFrame(data.toString('utf8'), isBinary)),
    );
  }

  get tenantId(): string {
    return this.claims.tenant_id;
  }

  /**
   * A stored event of a thread this connection follows; `data` is the event
   * as JSON, serialized once for every socket it goes to. The next event of a
   * run, carried in the item, goes out at once when nothing is queued before
   * it: a burst to many sockets costs no task, promise or trace per socket.
   */
  deliver(item: FeedItem, data?: Buffer): void {
    if (this.#queued === 0 && this.#deliverInline(item, data)) return;
    this.#enqueue(() => this.#deliver(item, data));
  }

  /** The event feed was down: sends what it missed from the store. */
  catchUp(): void {
    this.#enqueue(() => this.#catchUp());
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queued++;
    this.#queue = this.#queue
      .then(() => inTrace(this.#trace, task))
      .catch((error: unknown) => {
        this.#deps.logger.error({ err: error, connection_id: this.id }, 'gateway task failed');
      })
      .then(() => {
        this.#queued--;
      });
  }

  async #onFrame(text: string, isBinary: boolean): Promise<void> {
    const started = process.hrtime.bigint();
    const { frame, refused } = await this.#receive(text, isBinary);
    if (refused) this.#send(refused);
    this.#logReceived(frame, refused, started);
  }

  /** Checks and handles one client frame; `refused` is the error frame to answer with, if any. */
  async #receive(
    text: string,
    isBinary: boolean,
  ): Promise<{ frame: Partial<ClientFrame>; refused?: ErrorFrame }> {
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    if (frame === undefined)
      return {
        frame: {},
        refused: errorFrame(new MeshpactError('invalid_json', 'frames must be JSON text')),
      };
    const requestId = requestIdOf(frame);
    // Before the schema: ajv recurses, and start_run's input would reach Postgres.
    const unstorable = jsonTextIssues(frame, { maxDepth: DEFAULT_MAX_DEPTH });
    if (unstorable.length > 0)
      return {
        frame: {},
        refused: errorFrame(
          new MeshpactError('validation_failed', formatIssues(unstorable)),
          requestId,
        ),
      };
    const issues = schemaRegistry().validator('events/client-frame').issues(frame);
    if (issues.length > 0) {
      const unknown = issues.some((issue) => issue.path === '/type');
      const error = unknown
        ? new MeshpactError(
            'unknown_frame',
            `unknown frame type; send subscribe, unsubscribe, start_run or ping`,
          )
        : new MeshpactError('validation_failed', formatIssues(issues));
      return { frame: {}, refused: errorFrame(error, requestId) };
    }
    try {
      await this.#handle(frame as ClientFrame);
      return { frame: frame as ClientFrame };
    } catch (error) {
      return { frame: frame as ClientFrame, refused: errorFrame(error, requestId) };
    }
  }

  async #handle(frame: ClientFrame): Promise<void> {
    const { service } = this.#deps;
    switch (frame.type) {
      case 'ping':
        this.#send({
          type: 'pong',
          id: frame.id,
          server_time: this.#deps.clock.now().toISOString(),
        });
        return;
      case 'subscribe': {
        await service.requireThread(this.tenantId, frame.thread_id);
        if (frame.run_id !== undefined) {
          const run = await service.requireRun(this.tenantId, frame.run_id);
          if (run.thread_id !== frame.thread_id)
            throw new MeshpactError('run_not_found', 'no such run in this thread');
          if (run.trace_id) this.#runTraces.set(run.id, run.trace_id);
        }
        this.#deps.subscribe(this, frame.thread_id);
        this.#send({
          type: 'subscribed',
          thread_id: frame.thread_id,
          ...(frame.run_id ? { run_id: frame.run_id } : {}),
        });
        if (frame.run_id !== undefined) await this.#replay(frame.run_id, frame.after_seq ?? 0);
        return;
      }
      case 'unsubscribe':
        this.#deps.unsubscribe(this, frame.thread_id);
        this.#send({ type: 'unsubscribed', thread_id: frame.thread_id });
        return;
      case 'start_run': {
        if (!(await this.#sessionStands(frame.request_id))) return;
        // Checked here too, so a refused start_run leaves the socket following nothing new.
        requireAgent(frame.agent_name);
        // Follow the thread before the run exists, so its first event is not missed; a
        // run refused (its thread not the tenant's, or past its limit) unfollows it again.
        // Meanwhile another tenant's events on it are not delivered (#deliverInline).
        const following = this.threads.has(frame.thread_id);
        this.#deps.subscribe(this, frame.thread_id);
        const starter = { tenantId: this.tenantId, userId: this.claims.sub };
        const run = await service
          .startRun(
            starter,
            frame.thread_id,
            { agent_name: frame.agent_name, input: frame.input },
            this.#trace.traceId,
          )
          .catch((error: unknown) => {
            if (!following) this.#deps.unsubscribe(this, frame.thread_id);
            throw error;
          });
        audit(this.#deps.logger, {
          action: 'start_run',
          params: { thread_id: run.thread_id },
          created: `/api/runs/${run.id}`,
          actor: { user: this.claims.sub, tenant: this.tenantId },
          trace_id: this.#trace.traceId,
        });
        this.#lastSeq.set(run.id, 0);
        this.#runTraces.set(run.id, this.#trace.traceId);
        this.#send({
          type: 'run_accepted',
          request_id: frame.request_id,
          run_id: run.id,
          thread_id: run.thread_id,
        });
        return;
      }
    }
  }

  /**
   * Writes ask auth-service whether the session still stands, as HTTP writes
   * do: a signature cannot show a logout. Every gateway process asks the one
   * auth-service, so a session ended anywhere is refused on every socket at
   * its next write, and the socket closes: 4403 when the session ended, 4401
   * when the token expired before the heartbeat noticed. Reads (subscribe)
   * trust the signature, as HTTP reads do, until the token expires.
   * auth-service unreachable is an error frame and the socket stays open.
   */
  async #sessionStands(requestId: string): Promise<boolean> {
    try {
      await this.#deps.authenticator.confirmActive(this.#token);
      return true;
    } catch (error) {
      if (!(error instanceof MeshpactError) || error.code !== 'unauthorized') throw error;
      this.#send(errorFrame(error, requestId));
      if (this.claims.exp * 1000 <= this.#deps.clock.now().getTime())
        this.close(closeCodes.tokenExpired, 'token expired');
      else this.close(closeCodes.sessionEnded, 'session ended');
      return false;
    }
  }

  async #replay(runId: string, afterSeq: number): Promise<void> {
    const events = await store.listEvents(this.#deps.db, this.tenantId, runId, { after: afterSeq });
    this.#lastSeq.set(runId, afterSeq);
    for (const event of events) this.#sendEvent(event);
  }

  /**
   * Delivers `item` when that needs nothing from the store (another tenant's
   * or thread's, a duplicate, or the run's next event carried in the item);
   * false when it does: a gap to fill first, or an event sent by reference.
   */
  #deliverInline(item: FeedItem, data: Buffer | undefined): boolean {
    if (item.tenant_id !== this.tenantId || !this.threads.has(item.thread_id)) return true;
    const last = this.#lastSeq.get(item.run_id);
    if (last !== undefined && item.seq <= last) return true;
    if (item.trace_id) this.#runTraces.set(item.run_id, item.trace_id);
    if (!item.event || (last !== undefined && item.seq > last + 1)) return false;
    this.#sendEvent(item.event, data);
    return true;
  }

  async #deliver(item: FeedItem, data: Buffer | undefined): Promise<void> {
    if (this.#deliverInline(item, data)) return;
    const last = this.#lastSeq.get(item.run_id);
    if (last !== undefined && item.seq > last + 1)
      await this.#sendStored(item.run_id, { after: last, before: item.seq });
    if (item.event) return this.#sendEvent(item.event, data);
    const [event] = await store.listEvents(this.#deps.db, this.tenantId, item.run_id, {
      after: item.seq - 1,
      limit: 1,
    });
    if (event) this.#sendEvent(event);
  }

  async #catchUp(): Promise<void> {
    if (this.threads.size === 0) return;
    const threads = [...this.threads].map(([threadId, since]) => ({ threadId, since }));
    const runs = await store.runsWithEventsSince(this.#deps.db, this.tenantId, threads);
    for (const run of runs) {
      if (run.trace_id) this.#runTraces.set(run.run_id, run.trace_id);
      const after = this.#lastSeq.get(run.run_id) ?? run.first_seq - 1;
      await this.#sendStored(run.run_id, { after });
    }
  }

  /** Stored events of a run in `range`, through the same dedupe as live ones. */
  async #sendStored(runId: string, range: { after: number; before?: number }): Promise<void> {
    const events = await store.listEvents(this.#deps.db, this.tenantId, runId, range);
    for (const event of events) this.#sendEvent(event);
  }

  #sendEvent(event: AgentEvent, data?: Buffer): void {
    const last = this.#lastSeq.get(event.run_id);
    if (last !== undefined && event.seq <= last) return;
    this.#lastSeq.set(event.run_id, event.seq);
    this.#send(event, data);
    // Only the frames of a run in progress are logged with its trace; a socket
    // may follow a thread for hours.
    if (event.type === 'agent_completed') this.#runTraces.delete(event.run_id);
  }

  /**
   * Sends `frame` (as `data` when it is serialized already) unless the client
   * has stopped reading: past the bound it is closed, never buffered without end.
   */
  #send(frame: ServerFrame, data?: Buffer): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ws.bufferedAmount > this.#deps.maxBuffered) {
      // In the socket's trace, as its tasks are, though a live event may have come without one.
      inTrace(this.#trace, () =>
        this.#deps.logger.warn(
          { connection_id: this.id, buffered: this.#ws.bufferedAmount },
          'closing a slow client',
        ),
      );
      this.#ws.close(closeCodes.tryAgainLater, 'client too slow');
      // A client that reads nothing will not read the close frame either.
      setTimeout(() => this.#ws.terminate(), 1_000).unref();
      return;
    }
    this.#ws.send(data ?? JSON.stringify(frame), TEXT);
    this.#logSent(frame);
  }

  /**
   * One info line per frame a client sends, as an HTTP request has its access
   * line: its type, `ok` or the error code it was answered with, how long it
   * took, who, and the socket's trace. A frame that is not a valid client
   * frame is logged without a type. Never the frame's content.
   */
  #logReceived(frame: Partial<ClientFrame>, refused: ErrorFrame | undefined, started: bigint) {
    this.#deps.logger.info(
      {
        ws: 'in',
        ...(frame.type === undefined ? {} : { type: frame.type }),
        status: refused ? refused.code : 'ok',
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        connection_id: this.id,
        user: this.claims.sub,
        tenant: this.tenantId,
        trace_id: this.#trace.traceId,
      },
      'frame',
    );
  }

  /**
   * One debug line per frame sent (at info a busy gateway would write one per
   * event per subscriber): its type, and the run and seq of an agent event,
   * never its content. An agent event carries the trace of the request that
   * started its run; every other frame the handshake's.
   */
  #logSent(frame: ServerFrame): void {
    if (!this.#deps.logger.isLevelEnabled('debug')) return;
    const runId = 'run_id' in frame ? frame.run_id : undefined;
    const runTrace = 'seq' in frame && runId !== undefined ? this.#runTraces.get(runId) : undefined;
    this.#deps.logger.debug(
      {
        ws: 'out',
        type: frame.type,
        ...(runId === undefined ? {} : { run_id: runId }),
        ...('seq' in frame ? { seq: frame.seq } : {}),
        ...(frame.type === 'error' && 'code' in frame ? { code: frame.code } : {}),
        connection_id: this.id,
        user: this.claims.sub,
        tenant: this.tenantId,
        trace_id: runTrace ?? this.#trace.traceId,
      },
      'frame',
    );
  }
}

/**
 * The request_id an error frame may echo: any JSON can arrive (`null` too), and
 * an id events/error-frame would refuse (1 to 128 characters), or one holding
 * NUL or a lone surrogate, is not echoed.
 */
function requestIdOf(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const id = (frame as { request_id?: unknown }).request_id;
  if (typeof id !== 'string' || textIssue(id) !== undefined) return undefined;
  const length = [...id].length;
  return length >= 1 && length <= 128 ? id : undefined;
}

/** events/error-frame bounds `message`; a long list of validation issues is cut to fit. */
const MAX_MESSAGE = 2_000;

/** The one mapping from an error to an `error` frame; internal errors keep their message to the log. */
export function errorFrame(error: unknown, requestId?: string): ErrorFrame {
  const known = knownError(error);
  const frame: ErrorFrame = known
    ? { type: 'error', code: known.code, message: bounded(known.message) }
    : { type: 'error', code: 'internal_error', message: 'an unexpected error occurred' };
  if (requestId !== undefined) frame.request_id = requestId;
  const retryAfter = known?.extensions.retry_after;
  if (typeof retryAfter === 'number') frame.retry_after = retryAfter;
  return frame;
}

function bounded(message: string): string {
  const chars = [...message];
  return chars.length <= MAX_MESSAGE ? message : `${chars.slice(0, MAX_MESSAGE - 1).join('')}…`;
}
