import { STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { MeshpactError } from '../errors/meshpact-error.js';
import { toProblem } from '../errors/problem.js';

export interface Listening {
  /** e.g. `http://127.0.0.1:43117` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, then drops what is left. */
  close(): Promise<void>;
}

export interface ListenOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  graceMs?: number;
}

/**
 * Listens with an HTTP server built by a service's `createApp`, and returns how
 * to reach and stop it. Every service's `start()` uses this, so tests, the CLI
 * and production stop the same way.
 */
export async function listen(server: Server, options: ListenOptions = {}): Promise<Listening> {
  const host = options.host ?? '127.0.0.1';
  const graceMs = options.graceMs ?? 5_000;
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A keep-alive connection whose last response ends during close would
  // otherwise hold the server open until its idle timeout.
  server.on('request', (_request, response) => {
    response.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });

  server.on('clientError', answerUnparsedRequest);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/**
 * Node answers a request it cannot parse (a request line or headers over
 * 16 KB, broken framing, a request that never finishes) on its own, with a
 * bare status line. Every other refusal is problem+json with a code, so these
 * are too: the request never reached a route, so there is no trace id.
 */
function answerUnparsedRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new MeshpactError('headers_too_large', 'the request line and headers are limited to 16 KB')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new MeshpactError('request_timeout', 'the request did not arrive in time')
        : new MeshpactError('malformed_request', 'the request is not valid HTTP/1.1');
  const problem = toProblem(refusal);
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
