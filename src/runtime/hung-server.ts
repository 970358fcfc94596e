import { createServer, type Server, type Socket } from 'node:net';

/**
 * For tests: a server that accepts connections and never answers, as a
 * dependency stopped with SIGSTOP or behind a network that drops packets.
 * It counts the connections made, to show when a client stopped trying.
 */
export async function hungServer() {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
