import { interruptRun, moments, prepare, signals } from './interrupt-run.js';

// Every signal at every moment of `meshpact run`: 7 moments × 3 signals, each
// a run of its own up to that moment (about 20 minutes on 2 cores).

describe('meshpact run, stopped by each signal at each moment', () => {
  beforeAll(prepare, 120_000);

  const cases = moments.flatMap((moment) =>
    signals.map((signal) => [signal, moment.name] as const),
  );

  it.each(cases)(
    'on %s while %s, leaves nothing behind and exits 130',
    async (signal, name) => {
      await interruptRun(
        moments.find((moment) => moment.name === name)!,
        signal,
      );
    },
    600_000,
  );
});
