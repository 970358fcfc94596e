import { eachStopsCleanly, moments, signals } from './interrupt-run.js';

// Every signal at every moment of `meshpact run`: 7 moments × 3 signals, each
// a run of its own up to that moment (about 20 minutes on 2 cores).

describe('meshpact run, stopped by each signal at each moment', () => {
  eachStopsCleanly(
    moments.flatMap((moment) => signals.map((signal) => [signal, moment.name] as const)),
  );
});
