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

export interface HttpOptions {
  /** e.g. `https://auth.example.com`; paths are resolved against it. */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * The W3C `traceparent` each request is sent with, which the services log
   * under. By default each request starts a trace of its own; to see one user
   * action (sign in, start a run) as one trace across the mesh, return a
   * header of that action's trace, e.g. `() => action.traceparent()` with
   * `action = new UserAction()` made when the user acts.
   */
  traceparent?: () => string;
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
  const response = await (options.fetch ?? fetch)(url, {
    method,
    headers,
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const text = await response.text();
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
