import { createServer, type Server, type Socket } from 'node:net';

/**
 * For tests: a server that accepts connections and never answers, as a
 * dependency stopped with SIGSTOP or behind a network that drops packets.
 * With `partial`, it writes that text (e.g. a status line and headers) once a
 * request begins to arrive, and then nothing more, as a server that hangs in
 * the middle of its answer. It counts the connections made, and notes when
 * each came, to show when a client stopped trying and how long it waited
 * between tries.
 */
export async function hungServer(options: { partial?: string } = {}) {
  const sockets = new Set<Socket>();
  const connectedAt: number[] = [];
  const server: Server = createServer((socket) => {
    connectedAt.push(Date.now());
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const { partial } = options;
    if (partial !== undefined) socket.once('data', () => socket.write(partial));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connectedAt.length,
    /** Date.now() of each connection, in order. */
    connectedAt: (): readonly number[] => connectedAt,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
