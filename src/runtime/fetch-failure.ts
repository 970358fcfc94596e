/**
 * Why a fetch got no answer, in a few words: fetch's own message is only
 * "fetch failed", the reason (ECONNREFUSED, ENOTFOUND…) is in its cause.
 */
export function fetchFailure(error: unknown): string {
  // fetch rejects with the signal's DOMException, which may come from another realm than Error.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
