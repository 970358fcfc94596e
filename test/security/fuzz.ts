import fc from 'fast-check';
import { excerpt, type Failure } from './harness.js';

// How long the generated part of the corpus runs. `npm test` runs a fixed
// seed and a few cases per route; `npm run test:fuzz` sets
// MESHPACT_FUZZ_SEED=random and MESHPACT_FUZZ_RUNS higher.

const given = process.env.MESHPACT_FUZZ_SEED;
export const fuzzSeed =
  given === undefined || given === ''
    ? 14
    : given === 'random'
      ? Date.now() ^ (Math.random() * 0x7fffffff)
      : Number(given);
/** Generated cases a route in `npm test`. */
export const DEFAULT_FUZZ_RUNS = 6;
export const fuzzRuns = Number(process.env.MESHPACT_FUZZ_RUNS ?? DEFAULT_FUZZ_RUNS);
if (!Number.isInteger(fuzzSeed) || !Number.isInteger(fuzzRuns) || fuzzRuns < 1)
  throw new Error(
    'MESHPACT_FUZZ_SEED must be an integer or "random", MESHPACT_FUZZ_RUNS a whole number',
  );
if (given === 'random') process.stdout.write(`security corpus: MESHPACT_FUZZ_SEED=${fuzzSeed}\n`);

/** A jest timeout for a property: room for its runs (and shrinking) at 5 s a request at worst. */
export const propertyTimeout = 60_000 + fuzzRuns * 1_000;

class CaseFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.problem);
  }
}

/** Runs a property whose runs are cases; throws a readable report (case, answer, counterexample, seed). */
export async function checkProperty<T>(
  route: string,
  arbitrary: fc.Arbitrary<T>,
  run: (value: T) => Promise<Failure | undefined>,
): Promise<void> {
  const result = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      const failure = await run(value);
      if (failure) throw new CaseFailed(failure);
    }),
    { seed: fuzzSeed, numRuns: fuzzRuns },
  );
  if (!result.failed) return;
  const error = result.errorInstance;
  const failure = error instanceof CaseFailed ? error.failure : undefined;
  throw new Error(
    [
      `${route}: a generated case failed after ${result.numRuns} run(s), shrunk ${result.numShrinks} time(s)`,
      failure
        ? `  ${failure.name}\n      ${failure.problem}\n      sent   ${failure.request}\n      answer ${failure.answer}`
        : `  ${String(error)}`,
      `  counterexample ${excerpt(fc.stringify(result.counterexample), 400)}`,
      `  replay with MESHPACT_FUZZ_SEED=${result.seed} (path ${result.counterexamplePath ?? ''})`,
    ].join('\n'),
  );
}
