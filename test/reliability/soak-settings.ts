// The knobs of `npm run test:soak`, from the environment: counts only, each
// bounded, so a soak run is bounded in time and size whatever is set.

/** A positive integer from `variable`, `fallback` when unset; out of 1..max fails at once. */
export function soakSetting(variable: string, fallback: number, { max }: { max: number }): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`${variable} must be a whole number from 1 to ${max} (got "${raw}")`);
  return value;
}
