/**
 * A sliding-window limit over stored instants: at most `limit` events in any
 * `windowSeconds`. `times` are the counted events inside the window, oldest
 * first (at least the newest `limit` of them). Returns how many whole seconds
 * until one more is allowed, at least 1, or undefined when it is allowed now.
 */
export function retryAfterSeconds(
  times: readonly Date[],
  limit: number,
  windowSeconds: number,
  now: Date,
): number | undefined {
  if (times.length < limit) return undefined;
  // The event that must leave the window before one more fits.
  const leaving = times[times.length - limit] ?? now;
  return Math.max(1, Math.ceil((leaving.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
}
