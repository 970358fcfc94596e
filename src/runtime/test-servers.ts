import { connect, createServer, type Server, type Socket } from 'node:net';

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

/**
 * For tests: counts the requests this process sends with fetch to `origin`,
 * each passed on unchanged. What a client asked for, where connections to a
 * server cannot tell: undici may open a connection of its own accord when a
 * request is aborted. `restore()` puts the global fetch back.
 */
export function fetchesTo(origin: string) {
  const real = globalThis.fetch;
  let count = 0;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(origin)) count += 1;
    return real(input, init);
  };
  return {
    count: () => count,
    restore: () => void (globalThis.fetch = real),
  };
}

/**
 * For tests: a TCP proxy to `target` that can be frozen, as a dependency that
 * worked and then hung (SIGSTOP). Frozen, it passes nothing more either way,
 * on connections already open (a client's keep-alive pool) as on new ones,
 * and counts the chunks that arrive unanswered.
 */
export async function freezableProxy(target: string) {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let frozen = false;
  let unanswered = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (frozen) unanswered += 1;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!frozen) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    freeze: () => void (frozen = true),
    /** Chunks (requests, or parts of them) that came while frozen. */
    unanswered: () => unanswered,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
