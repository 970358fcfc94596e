import WebSocket from 'ws';
import { isObject } from '../contracts/json-values.js';

// The generic half of WebSocket verification: one conversation of a contract
// (docs/websocket-contracts.md) held against a real socket. It connects as
// the request's `connection` says, sends the client frames in order as soon
// as the socket is open, and collects what the server sends until as many
// frames as the contract expects have arrived, the socket closes, or no frame
// has come for `frameTimeoutMs`. It knows no provider's protocol.

/** The request message of a conversation, generators filled. */
export interface ConversationRequest {
  connection: { path?: string; subprotocols: string[]; headers: Record<string, string> };
  /** A string is sent verbatim as a text frame; any other value as its JSON text. */
  frames: unknown[];
  /** `flow: "partial"`: the contract says its flows may be cut short (a replay after a seq). */
  partialFlows: boolean;
}

export interface Collected {
  /** Every frame received, in order: JSON text parsed, other text as the string. */
  frames: unknown[];
  /** When fewer than expected arrived: why collecting stopped. */
  stopped?: string;
}

export interface ConverseOptions {
  /** How long to wait for the next frame before giving up on the rest. */
  frameTimeoutMs: number;
  /** How long the whole conversation may take, the handshake included (default 120 s). */
  deadlineMs?: number;
}

/** How long a conversation may take unless told otherwise. */
export const CONVERSATION_DEADLINE_MS = 120_000;

/** Reads a request message's contents; throws saying what is wrong with it. */
export function conversationRequest(content: unknown): ConversationRequest {
  const fail = (detail: string) => new Error(`the request message ${detail}`);
  if (!isObject(content) || !Array.isArray(content.frames))
    throw fail('must be {connection?, frames: [...], flow?}');
  const connection = content.connection ?? {};
  if (!isObject(connection)) throw fail('connection must be an object');
  const { path, subprotocols = [], headers = {} } = connection;
  if (path !== undefined && (typeof path !== 'string' || !/^\/(?!\/)/.test(path)))
    // A path like //elsewhere/x would move the connection, and the state's values, to another host.
    throw fail('connection.path must be a path on the provider, starting with one /');
  if (!Array.isArray(subprotocols) || !subprotocols.every((p) => typeof p === 'string'))
    throw fail('connection.subprotocols must be a list of text');
  if (!isObject(headers) || !Object.values(headers).every((h) => typeof h === 'string'))
    throw fail('connection.headers must map names to text');
  if (content.flow !== undefined && content.flow !== 'partial')
    throw fail('flow must be "partial" when given');
  return {
    connection: {
      ...(path !== undefined ? { path } : {}),
      subprotocols: subprotocols,
      headers: headers as Record<string, string>,
    },
    frames: content.frames,
    partialFlows: content.flow === 'partial',
  };
}

/**
 * Holds one conversation against `wsUrl` (the provider's endpoint; a
 * `connection.path` replaces its path) and closes the socket again.
 */
export async function converse(
  wsUrl: string,
  request: ConversationRequest,
  expected: number,
  options: ConverseOptions,
): Promise<Collected> {
  const { path, subprotocols, headers } = request.connection;
  const url = path === undefined ? wsUrl : onOrigin(wsUrl, path);
  const deadlineMs = options.deadlineMs ?? CONVERSATION_DEADLINE_MS;
  const deadline = Date.now() + deadlineMs;
  const ws = new WebSocket(url, subprotocols, {
    headers,
    handshakeTimeout: options.frameTimeoutMs,
  });
  const frames: unknown[] = [];
  let wake: (() => void) | undefined;
  let closed: string | undefined;
  ws.on('message', (data: Buffer, isBinary) => {
    // Frames past the expected ones are not the contract's: whatever comes after is not read.
    if (frames.length >= expected) return;
    frames.push(isBinary ? data.toString('base64') : parse(data.toString('utf8')));
    wake?.();
  });
  // After the handshake an error (a reset connection) is followed by `close`, which ends the wait.
  ws.on('error', () => undefined);
  ws.on('close', (code, reason) => {
    closed = `the socket closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
    wake?.();
  });
  await opened(ws, url, options.frameTimeoutMs);
  try {
    for (const frame of request.frames)
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    for (;;) {
      if (frames.length >= expected) return { frames };
      if (closed) return { frames, stopped: closed };
      const seen = frames.length;
      const left = deadline - Date.now();
      if (left <= 0)
        return {
          frames,
          stopped: `the conversation took longer than ${deadlineMs} ms`,
        };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(options.frameTimeoutMs, left));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (frames.length === seen && !closed && Date.now() < deadline)
        return { frames, stopped: `no frame came within ${options.frameTimeoutMs} ms` };
    }
  } finally {
    await close(ws);
  }
}

/** `path` (with its query) on the origin of `wsUrl`: a contract chooses the path, never the host. */
function onOrigin(wsUrl: string, path: string): string {
  const url = new URL(wsUrl);
  const target = new URL(path, 'ws://provider.invalid');
  url.pathname = target.pathname;
  url.search = target.search;
  return url.href;
}

function opened(ws: WebSocket, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
        reject(new Error(`${url} refused the socket: HTTP ${response.statusCode} ${body}`.trim()));
        ws.terminate();
      });
      // The body is only for the message; a server that never ends it must not hold us.
      setTimeout(() => response.destroy(), timeoutMs).unref();
      response.on('close', () =>
        reject(new Error(`${url} refused the socket: HTTP ${response.statusCode}`)),
      );
    });
    ws.once('error', (error) => reject(new Error(`cannot connect to ${url}: ${error.message}`)));
  });
}

/** Closes politely, and for good after a second: a peer that never answers the close frame must not hold us. */
function close(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 1_000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
