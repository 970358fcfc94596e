// JSON values as pacts and API documents hold them, for the code that reads
// them without a schema of their own: objects told from arrays and null,
// and JSON pointer tokens (RFC 6901) read back as member names.

export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The member name a JSON pointer token stands for: `a~1b` is `a/b`, `a~0b` is `a~b`. */
export const decodePointerToken = (token: string): string =>
  token.replaceAll('~1', '/').replaceAll('~0', '~');
