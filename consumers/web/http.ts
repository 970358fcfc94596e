import type { Problem } from '../../src/schemas/types.generated.js';

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
}

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
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
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
