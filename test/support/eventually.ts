// Small helpers for tests that wait on real systems: HTTP calls that cannot
// hang a test, and polling with a deadline. The deadlines are failure guards,
// never timing assertions: a passing test does not depend on them.

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** How long one call may take before the test says it hung. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * One HTTP request; never throws on status. A call that takes longer than
 * `timeoutMs` fails with "hung", so a server that hangs is told apart from
 * one that answers slowly only by that generous bound.
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new Error(`${method} ${path} hung: no answer within ${timeoutMs} ms`);
    throw error;
  }
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/**
 * Polls `probe` until it returns something other than undefined; fails with
 * `what` and the last error seen when `timeoutMs` passes first.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, everyMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `not so within ${timeoutMs} ms: ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
