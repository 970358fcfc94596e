import type { Clock } from '../runtime/clock.js';
import { withoutQuotedValues } from '../runtime/logger.js';
import type { RenderedRequest } from './webhook-template.js';
import { hostAllowed, redactedHeaders, type WebhookSettings } from './webhook-rules.js';

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

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= RESPONSE_LIMIT) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
}

/**
 * Sends a webhook's request once. Never throws: failures (a status outside
 * 200-206, a refused connection, a timeout) are a result with logs. Redirects
 * are not followed, so a whitelisted host cannot hand the request on. The
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

  const showResponse =
    options.settings.hosts.length > 0 &&
    hostAllowed(options.settings.hosts, new URL(request.url).hostname);
  const timeout = AbortSignal.timeout(options.settings.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  let result: Omit<ExecutionResult, 'logs' | 'request'>;
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal,
    });
    const body = await readLimited(response);
    const success = response.status >= SUCCESS.min && response.status <= SUCCESS.max;
    if (showResponse) {
      const headers = Object.fromEntries(response.headers.entries());
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
