import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

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
