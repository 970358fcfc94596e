import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MeshpactError } from '../../src/errors/meshpact-error.js';
import { toProblem } from '../../src/errors/problem.js';
import type { Clock } from '../../src/runtime/clock.js';
import type { Queryable } from '../../src/runtime/db.js';
import type { Logger } from '../../src/runtime/logger.js';
import { inTrace } from '../../src/runtime/trace-context.js';
import {
  formatTraceparent,
  parseTraceparent,
  startSpan,
  type TraceContext,
} from '../../src/runtime/traceparent.js';
import { logAccess, msSince, type Actor } from '../../src/http/access-log.js';
import { bearerToken } from '../../src/http/bearer.js';
import type { Authenticator } from './authenticator.js';
import type { BackendService } from './backend.service.js';
import { Connection, closeCodes, type Session } from './connection.js';
import type { EventFeed, FeedItem } from './event-feed.js';

export const SUBPROTOCOL = 'meshpact.v1';

export interface GatewayOptions {
  service: BackendService;
  authenticator: Authenticator;
  feed: EventFeed;
  db: Queryable;
  clock: Clock;
  logger: Logger;
  /** Largest client frame in bytes; larger ones close the socket with 1009. */
  maxPayload: number;
  /** Unread bytes allowed per client before it is closed with 1013. */
  maxBuffered: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped. Token expiry is checked on the same tick. */
  heartbeatMs: number;
}

export interface Gateway {
  /** Open sockets, for health and tests. */
  readonly size: number;
  /** Closes every socket with 1001 and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * The /ws gateway on a service's HTTP server. Clients authenticate in the
 * HTTP upgrade request, before any socket exists: `Sec-WebSocket-Protocol:
 * meshpact.v1, bearer.<jwt>` (browsers cannot set headers) or
 * `Authorization: Bearer <jwt>`; a missing, bad or revoked token is answered
 * with a plain HTTP 401 problem. Events reach it from every backend process
 * through the EventFeed (Postgres LISTEN/NOTIFY); after the feed lost its
 * connection, every socket catches up from the store.
 */
export function attachGateway(server: Server, options: GatewayOptions): Gateway {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const connections = new Set<Connection>();
  const sockets = new Map<Connection, WebSocket>();
  /** Each connection's TCP socket, which its frames are written to. */
  const streams = new Map<Connection, Duplex>();
  const byThread = new Map<string, Set<Connection>>();
  let closing = false;

  const subscribe = (connection: Connection, threadId: string) => {
    if (!connection.threads.has(threadId)) connection.threads.set(threadId, options.clock.now());
    let set = byThread.get(threadId);
    if (!set) byThread.set(threadId, (set = new Set()));
    set.add(connection);
  };
  const unsubscribe = (connection: Connection, threadId: string) => {
    connection.threads.delete(threadId);
    const set = byThread.get(threadId);
    set?.delete(connection);
    if (set?.size === 0) byThread.delete(threadId);
  };

  // Events arrive in bursts: Postgres sends the notifications of many commits
  // in one read. Each event is serialized once for all its sockets, and each
  // socket is corked until the read's events are all handed to it, so they
  // leave in one write (one syscall) per socket instead of one per event.
  const corked = new Set<Duplex>();
  const uncorkAll = () => {
    for (const stream of corked) stream.uncork();
    corked.clear();
  };
  const onItem = (item: FeedItem) => {
    const following = byThread.get(item.thread_id);
    if (!following) return;
    const data = item.event && Buffer.from(JSON.stringify(item.event));
    if (corked.size === 0) queueMicrotask(uncorkAll);
    for (const connection of following) {
      const stream = streams.get(connection);
      if (stream && !corked.has(stream)) {
        stream.cork();
        corked.add(stream);
      }
      connection.deliver(item, data);
    }
  };
  options.feed.on('item', onItem);
  const onReconnected = () => {
    for (const connection of connections) connection.catchUp();
  };
  options.feed.on('reconnected', onReconnected);

  // The 101 answer names the trace too, as every HTTP answer does.
  const traces = new WeakMap<IncomingMessage, TraceContext>();
  wss.on('headers', (headers, request) => {
    const trace = traces.get(request);
    if (trace) headers.push(`traceresponse: ${formatTraceparent(trace)}`);
  });

  // The handshake is a request like any other: one access line, in the
  // caller's trace, which the socket then keeps (see Session).
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = process.hrtime.bigint();
    const trace = startSpan(parseTraceparent(request.headers.traceparent));
    const logHandshake = (status: number, actor?: Actor) =>
      logAccess(options.logger, {
        method: request.method ?? 'GET',
        ...(pathOf(request) === '/ws' ? { route: '/ws' } : {}),
        status,
        duration_ms: msSince(started),
        trace_id: trace.traceId,
        ...(actor ? { actor } : {}),
      });
    const refused = (error: unknown) => logHandshake(refuse(socket, error, trace));
    void inTrace(trace, () => authenticateUpgrade(request, options.authenticator)).then(
      (session) => {
        if (closing)
          return refused(new MeshpactError('shutting_down', 'connect to another gateway'));
        traces.set(request, trace);
        wss.handleUpgrade(request, socket, head, (ws) => {
          logHandshake(101, { user: session.claims.sub, tenant: session.claims.tenant_id });
          accept(ws, socket, { ...session, trace });
        });
      },
      refused,
    );
  };
  server.on('upgrade', onUpgrade);

  const accept = (ws: WebSocket, stream: Duplex, session: Session) => {
    const connection = new Connection(ws, session, { ...options, subscribe, unsubscribe });
    connections.add(connection);
    sockets.set(connection, ws);
    streams.set(connection, stream);
    ws.on('pong', () => (connection.alive = true));
    ws.on('error', (error) =>
      options.logger.debug({ err: error, connection_id: connection.id }, 'socket error'),
    );
    ws.on('close', () => {
      for (const threadId of [...connection.threads.keys()]) unsubscribe(connection, threadId);
      connections.delete(connection);
      sockets.delete(connection);
      streams.delete(connection);
    });
  };

  const heartbeat = setInterval(() => {
    const now = options.clock.now().getTime();
    for (const [connection, ws] of sockets) {
      if (connection.claims.exp * 1000 <= now) {
        connection.close(closeCodes.tokenExpired, 'token expired');
        continue;
      }
      if (!connection.alive) {
        ws.terminate();
        continue;
      }
      connection.alive = false;
      ws.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  return {
    get size() {
      return connections.size;
    },
    async close() {
      closing = true;
      clearInterval(heartbeat);
      server.off('upgrade', onUpgrade);
      options.feed.off('item', onItem);
      options.feed.off('reconnected', onReconnected);
      const closed = [...sockets.values()].map(
        (ws) =>
          new Promise<void>((resolve) =>
            ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()),
          ),
      );
      for (const connection of connections)
        connection.close(closeCodes.goingAway, 'server shutting down');
      const grace = setTimeout(() => sockets.forEach((ws) => ws.terminate()), 2_000);
      await Promise.all(closed);
      clearTimeout(grace);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

const pathOf = (request: IncomingMessage) => new URL(request.url ?? '/', 'http://gateway').pathname;

async function authenticateUpgrade(
  request: IncomingMessage,
  authenticator: Authenticator,
): Promise<Omit<Session, 'trace'>> {
  const path = pathOf(request);
  if (path !== '/ws')
    throw new MeshpactError('not_found', `no WebSocket endpoint at ${path}; use /ws`);
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(SUBPROTOCOL)) {
    throw new MeshpactError(
      'validation_failed',
      `offer the subprotocol ${SUBPROTOCOL} in Sec-WebSocket-Protocol`,
    );
  }
  const token =
    bearerToken(request.headers.authorization) ??
    offered.find((p) => p.startsWith('bearer.'))?.slice(7);
  if (!token)
    throw new MeshpactError(
      'unauthorized',
      `send Authorization: Bearer <token> or the subprotocol bearer.<token>`,
    );
  return { token, claims: await authenticator.authenticate(token, { revocation: true }) };
}

/**
 * Answers an upgrade with a plain HTTP problem (carrying the trace) and drops
 * the connection: no socket was ever opened. Returns the status answered.
 */
function refuse(socket: Duplex, error: unknown, trace: TraceContext): number {
  const problem = toProblem(error, { instance: '/ws', traceId: trace.traceId });
  const body = JSON.stringify(problem);
  const reason =
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      422: 'Unprocessable Content',
      503: 'Service Unavailable',
    }[problem.status] ?? 'Error';
  const challenge = problem.status === 401 ? 'WWW-Authenticate: Bearer realm="meshpact"\r\n' : '';
  // As sendProblem does over HTTP: a client may read the hint from either.
  const retryAfter =
    typeof problem.retry_after === 'number' ? `Retry-After: ${problem.retry_after}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${problem.status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
      `traceresponse: ${formatTraceparent(trace)}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n${challenge}${retryAfter}\r\n${body}`,
  );
  return problem.status;
}
