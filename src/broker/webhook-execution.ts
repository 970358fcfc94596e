import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Clock } from '../runtime/clock.js';
import { withoutQuotedValues } from '../runtime/logger.js';
import type { RenderedRequest } from './webhook-template.js';
import { hostAllowed, redactedHeaders, type WebhookSettings } from './webhook-rules.js';
import { guardedLookup, isLocalHost, LocalTargetRefused } from './webhook-targets.js';

/** Statuses that count as success, as the Pact Broker's `webhook_http_code_success`. */
const SUCCESS = { min: 200, max: 206 };
/** How much of a response body is kept for the logs. */
const RESPONSE_LIMIT = 64 * 1024;

export interface ExecutionResult {
  success: boolean;
  logs: string;
  request: { url: string; headers: Record<string, string>; body: string | null };
  response?: { status: number; headers: Record<string, string>; body: string };
  error?: { message: string };
  message?: string;
  /** The attempt was cut short because the broker is stopping; it did not really fail. */
  interrupted: boolean;
}

interface Received {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP exchange on a fresh connection (no pool outlives the broker), the
 * response body cut at RESPONSE_LIMIT. With `lookup`, names are resolved
 * through it; IP literals never reach a lookup, so the caller checks those.
 */
async function send(
  request: RenderedRequest,
  options: { signal: AbortSignal; lookup: LookupFunction | undefined },
): Promise<Received> {
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) throw new Error(`cannot send a request over ${url.protocol}`);
  const headers = { ...request.headers };
  if (request.body !== undefined && !Object.keys(headers).some((h) => /^content-length$/i.test(h)))
    headers['Content-Length'] = String(Buffer.byteLength(request.body));
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = client.request(url, {
      method: request.method,
      headers,
      agent: false,
      signal: options.signal,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    outgoing.on('error', reject);
    outgoing.once('response', resolve);
    outgoing.end(request.body);
  });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_LIMIT) break;
  }
  response.destroy();
  return {
    status: response.statusCode ?? 0,
    statusText: response.statusMessage ?? '',
    headers: Object.fromEntries(
      Object.entries(response.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : (value ?? ''),
      ]),
    ),
    body: Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8'),
  };
}

/**
 * Sends a webhook's request once. Never throws: failures (a status outside
 * 200-206, a refused connection, a timeout, a local target the settings
 * refuse) are a result with logs. Redirects are not followed, so a
 * whitelisted host cannot hand the request on. The
 * response is logged only when a host whitelist is configured, as the Pact
 * Broker does, since anyone who may read logs could otherwise read any page
 * the broker can reach.
 */
export async function executeWebhook(
  request: RenderedRequest,
  options: {
    clock: Clock;
    settings: WebhookSettings;
    context: Record<string, unknown>;
    signal?: AbortSignal;
  },
): Promise<ExecutionResult> {
  const lines: string[] = [];
  const log = (level: 'DEBUG' | 'INFO' | 'ERROR', text: string) =>
    lines.push(`[${options.clock.now().toISOString()}] ${level}: ${text}`);
  const shown = {
    url: request.url,
    headers: redactedHeaders(request.headers),
    body: request.body ?? null,
  };
  log('DEBUG', `Webhook context ${JSON.stringify(options.context)}`);
  log('INFO', `HTTP/1.1 ${request.method} ${request.url}`);
  for (const [name, value] of Object.entries(shown.headers)) log('INFO', `${name}: ${value}`);
  if (request.body !== undefined) log('INFO', request.body);

  const { hostname } = new URL(request.url);
  const showResponse =
    options.settings.hosts.length > 0 && hostAllowed(options.settings.hosts, hostname);
  const timeout = AbortSignal.timeout(options.settings.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let result: Omit<ExecutionResult, 'logs' | 'request'>;
  try {
    // A stored webhook is checked again: the settings may have changed since it was made.
    if (!options.settings.allowLocal && isLocalHost(hostname))
      throw new LocalTargetRefused(hostname, hostname);
    const response = await send(request, {
      signal,
      lookup: options.settings.allowLocal ? undefined : guardedLookup(),
    });
    const { body, headers } = response;
    const success = response.status >= SUCCESS.min && response.status <= SUCCESS.max;
    if (showResponse) {
      log('INFO', `HTTP/1.1 ${response.status} ${response.statusText}`);
      for (const [name, value] of Object.entries(headers)) log('INFO', `${name}: ${value}`);
      log('INFO', body);
      result = {
        success,
        interrupted: false,
        response: { status: response.status, headers, body },
      };
    } else {
      const message =
        'For security purposes, the response details are not logged. To log them, list the host in BROKER_WEBHOOK_HOSTS.';
      log('INFO', message);
      result = { success, interrupted: false, message };
    }
  } catch (error) {
    const interrupted = options.signal?.aborted ?? false;
    const message = timeout.aborted
      ? `no response within ${options.settings.timeoutSeconds} s`
      : interrupted
        ? 'the broker stopped during the request'
        : describe(error);
    log('ERROR', `Error executing webhook: ${message}`);
    result = { success: false, interrupted, error: { message } };
  }
  log('INFO', result.success ? 'Webhook execution succeeded' : 'Webhook execution failed');
  return { ...result, request: shown, logs: `${lines.join('\n')}\n` };
}

/** Without quoted values: fetch quotes a header value it refuses, e.g. an Authorization header holding a newline. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } }).cause;
  const base = error instanceof Error ? error.message : String(error);
  return withoutQuotedValues(
    cause && typeof cause.message === 'string' ? `${base}: ${cause.message}` : base,
  );
}
