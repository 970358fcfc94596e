/**
 * Every stable error code meshpact emits, over HTTP (problem+json), on the
 * WebSocket (`error` frames) or from the CLI. Codes never change meaning once
 * released; docs/errors.md documents each one (a test keeps the two in step).
 */
export const errorCatalogue = {
  validation_failed: { status: 422, title: 'The request does not match its schema' },
  malformed_json: { status: 400, title: 'The request body is not valid JSON' },
  malformed_url: { status: 400, title: 'The request URL is not percent-encoded UTF-8' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: {
    status: 415,
    title: 'The request body has an unsupported content type',
  },
  malformed_request: { status: 400, title: 'The request is not valid HTTP' },
  headers_too_large: { status: 431, title: 'The request line or headers are too large' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  not_found: { status: 404, title: 'No such resource' },
  conflict: { status: 409, title: 'The request conflicts with what is stored' },
  irreversible_change: { status: 422, title: 'This change can only be made one way' },
  forbidden: { status: 403, title: 'The token may not do this' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this resource' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  invalid_credentials: { status: 401, title: 'Wrong email or password' },
  too_many_attempts: { status: 429, title: 'Too many failed attempts' },
  email_taken: { status: 409, title: 'The email is already registered' },
  invalid_refresh_token: { status: 401, title: 'The refresh token is not valid' },
  refresh_token_reused: { status: 401, title: 'The refresh token was already used' },
  invalid_client: { status: 401, title: 'Bad service credentials' },
  thread_not_found: { status: 404, title: 'No such thread' },
  run_not_found: { status: 404, title: 'No such run' },
  message_not_found: { status: 404, title: 'No such message' },
  agent_not_found: { status: 404, title: 'No such agent' },
  idempotency_key_reused: {
    status: 409,
    title: 'The Idempotency-Key was used for a different request',
  },
  invalid_cursor: { status: 400, title: 'The cursor is not one this API handed out' },
  rate_limited: { status: 429, title: 'Too many requests of this kind' },
  invalid_json: { status: 400, title: 'The frame is not valid JSON' },
  unknown_frame: { status: 400, title: 'The frame type is not known' },
  provider_state_unknown: {
    status: 400,
    title: 'The service knows no provider state of this name',
  },
  provider_state_failed: {
    status: 422,
    title: 'The provider state cannot be set up with what it was given',
  },
  auth_unavailable: { status: 503, title: 'auth-service could not be asked' },
  shutting_down: { status: 503, title: 'The server is shutting down' },
  database_unavailable: { status: 503, title: 'The database could not be reached' },
  internal_error: { status: 500, title: 'Internal error' },
  invalid_usage: { status: 400, title: 'Bad command-line usage' },
  config_invalid: { status: 500, title: 'The configuration is invalid' },
  postgres_start_failed: { status: 500, title: 'Embedded Postgres could not start' },
  migration_failed: { status: 500, title: 'A database migration failed' },
  service_start_failed: { status: 500, title: 'A service of the mesh could not be started' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const problemTypeBase = 'https://meshpact.dev/problems/';

export function problemType(code: ErrorCode): string {
  return `${problemTypeBase}${code.replaceAll('_', '-')}`;
}
