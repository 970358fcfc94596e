import { ServerResponse, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** What of http-proxy's ProxyServer this needs; pact-js ships no types for it. */
interface ProxyServer {
  listeners(event: 'error'): unknown[];
  onError(
    error: NodeJS.ErrnoException,
    req: IncomingMessage,
    res: ServerResponse | Socket,
    target?: string | { href?: string | null },
  ): void;
}

const patched = Symbol.for('meshpact.proxy-errors');

/**
 * pact-js's verifier proxy forwards each request to the provider with
 * http-proxy, and gives it no error listener and no callback. http-proxy then
 * rethrows a failed forward (the provider exited, refused the connection,
 * reset it) as an uncaught exception, and the request Pact's native verifier
 * sent is never answered: the verifier waits on it, holding a thread that
 * Node's exit waits for, so the process hangs, deaf to signals. Answered 502
 * instead, naming the cause (also on stderr), the interaction fails with a
 * reason and verification goes on.
 *
 * The patch is on the ProxyServer of the http-proxy that pact-js itself
 * resolves, the module instance its proxy uses. Installing it again changes
 * nothing.
 */
export function answerProxyErrors(): void {
  const pact = createRequire(import.meta.url).resolve('@pact-foundation/pact');
  const proto = (createRequire(pact)('http-proxy') as { prototype: ProxyServer }).prototype;
  if (patched in proto) return;
  Object.defineProperty(proto, patched, { value: true });
  proto.onError = function (this: ProxyServer, error, req, res, target) {
    // Someone else listens and handles it; http-proxy's own onError throws only when no one does.
    if (this.listeners('error').length > 1) return;
    const where = typeof target === 'string' ? target : (target?.href ?? 'its base URL');
    const cause = `the provider at ${where} did not answer ${req.method} ${req.url}: ${error.code ?? error.message}`;
    // Pact reports only the status it did not expect, not this body: stderr says why.
    process.stderr.write(`meshpact: ${cause}\n`);
    if (res instanceof ServerResponse && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`meshpact: ${cause}`);
    } else {
      // Part of the provider's answer is already on its way: cut it short, so the verifier sees it fail.
      res.destroy();
    }
  };
}
