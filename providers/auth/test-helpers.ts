export { hungServer } from '../../src/runtime/test-servers.js';
import { schemaRegistry, type SchemaName } from '../../src/schemas/registry.js';
import type { TokenResponse } from '../../src/schemas/types.generated.js';

// Small helpers for auth-service tests: real HTTP against a running service.

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * One HTTP request; never throws on status. A call with no answer within
 * `timeoutMs` (30 s by default, a failure guard, never a timing assertion)
 * fails saying it hung, so a server that hangs fails the test that met it.
 */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
    token?: string;
    timeoutMs?: number;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {
    ...options.headers,
    ...(options.token === undefined ? {} : bearer(options.token)),
  };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const timeoutMs = options.timeoutMs ?? 30_000;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options.raw !== undefined ? { body: options.raw } : {}),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new Error(`${method} ${path} hung: no answer within ${timeoutMs} ms`);
    throw error;
  }
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
export const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

/** The introspection client every test auth-service accepts (see testing.ts). */
export const introspector = basic('backend-api', 'test-introspection-secret');

export const password = 'correct horse battery';

/** Registers `email` and returns its token response, checked against its schema. */
export async function register(
  baseUrl: string,
  email: string,
  name = 'Alice',
): Promise<TokenResponse> {
  const answer = await request(baseUrl, 'POST', '/auth/register', {
    body: { email, password, name },
  });
  if (answer.status !== 201)
    throw new Error(`register ${email}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return schemaRegistry().validator('auth/token-response').assert(answer.body);
}

/** A validation_failed problem's `errors`, one `path message` line each. */
export function issueLines(body: Record<string, unknown>): string[] {
  return (body.errors as { path: string; message: string }[]).map(
    (issue) => `${issue.path} ${issue.message}`,
  );
}

/** Expects an RFC 9457 problem with this status and code. */
export function expectProblem(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(schemaRegistry().validator('common/problem').issues(answer.body)).toEqual([]);
}

export function expectSchema(name: SchemaName, body: unknown): void {
  expect(schemaRegistry().validatorFor(name).issues(body)).toEqual([]);
}
