import type { Problem } from '../../src/schemas/types.generated.js';
import { formatTraceparent, startSpan } from '../../src/runtime/traceparent.js';

/** A non-2xx answer, with the service's problem+json when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  /** The problem's stable `code`, e.g. `invalid_credentials`; `http_<status>` without a problem body. */
  readonly code: string;
  readonly problem: Problem | undefined;

  constructor(status: number, problem: Problem | undefined) {
    super(problem ? `${problem.code}: ${problem.detail ?? problem.title}` : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem?.code ?? `http_${status}`;
    this.problem = problem;
  }
}

/**
 * A service that did not answer in time: down, hung, or out of reach. The
 * request may have been done all the same: retry a read freely, a write only
 * if it carries an Idempotency-Key (sending a message does).
 */
export class NoAnswerError extends Error {
  readonly code = 'no_answer';

  constructor(method: string, url: URL, timeoutMs: number, options?: ErrorOptions) {
    super(`${method} ${url.origin}${url.pathname}: no answer within ${timeoutMs} ms`, options);
    this.name = 'NoAnswerError';
  }
}

export interface HttpOptions {
  /** e.g. `https://auth.example.com`; paths are resolved against it. */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** How long one call may take, answer and body, before it fails with NoAnswerError; 10 s by default. */
  timeoutMs?: number;
  /**
   * The W3C `traceparent` each request is sent with, which the services log
   * under. By default each request starts a trace of its own; to see one user
   * action (sign in, start a run) as one trace across the mesh, return a
   * header of that action's trace, e.g. `() => action.traceparent()` with
   * `action = new UserAction()` made when the user acts.
   */
  traceparent?: () => string;
}

/** The HTTP options out of a client's options, which also carry its own (a session). */
export function httpOptionsOf(options: HttpOptions): HttpOptions {
  return {
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
  };
}

/**
 * One user action's trace: every request made under it carries its trace id,
 * each as a span of its own, so the logs of every service it reaches can be
 * joined on `trace_id`.
 */
export class UserAction {
  readonly #root = startSpan();

  get traceId(): string {
    return this.#root.traceId;
  }

  /** A `traceparent` for the next request of this action. */
  traceparent(): string {
    return formatTraceparent(startSpan(this.#root));
  }
}

const ownTrace = () => new UserAction().traceparent();

export interface CallOptions {
  token?: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One HTTP call: JSON in, JSON out, a problem+json answer thrown as ApiError. */
export async function call<T>(
  options: HttpOptions,
  method: string,
  path: string,
  call: CallOptions = {},
): Promise<Answer<T>> {
  const url = new URL(path, options.baseUrl);
  for (const [name, value] of Object.entries(call.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = {
    accept: 'application/json',
    traceparent: (options.traceparent ?? ownTrace)(),
    ...call.headers,
  };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method,
      headers,
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      // Covers the body too: a service may send its headers and then stall.
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new NoAnswerError(method, url, timeoutMs, { cause: error });
    throw error;
  }
  const type = response.headers.get('content-type') ?? '';
  const parsed: unknown = text && /json/.test(type) ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      type.startsWith('application/problem+json') ? (parsed as Problem) : undefined,
    );
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}
