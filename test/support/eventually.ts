// Polling with a deadline, for tests that wait on real systems. The deadline
// is a failure guard, never a timing assertion: a passing test does not depend on it.

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
