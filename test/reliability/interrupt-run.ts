import { buildCli, scratchTmpdir, startMeshpact } from '../support/meshpact-process.js';
import { expectNothingLeft, workspace } from '../support/run-workspace.js';

/** A moment of `meshpact run`, named by the first line it prints there (CI=true: plain lines). */
export interface Moment {
  name: string;
  line: RegExp;
}

/** Every phase of a run, and inside verify the start of a provider after the first. */
export const moments: Moment[] = [
  { name: 'starting Postgres', line: /^postgres: started$/ },
  { name: 'starting the broker', line: /^broker: started$/ },
  { name: "running the consumers' contract tests", line: /^contracts: started$/ },
  { name: 'publishing', line: /^publish: started$/ },
  { name: 'starting to verify', line: /^verify: started$/ },
  { name: 'verifying the next provider', line: /^verify: auth-service: / },
  { name: 'asking can-i-deploy', line: /^can-i-deploy: started$/ },
];

export const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

type Signal = (typeof signals)[number];

/** One test per case: `signal` sent at the moment named, with interruptRun's checks. */
export function eachStopsCleanly(cases: readonly (readonly [Signal, string])[]): void {
  beforeAll(() => buildCli(), 120_000);
  it.each(cases)(
    'on %s while %s, leaves nothing behind and exits 130',
    async (signal, name) => {
      const moment = moments.find((m) => m.name === name);
      if (!moment) throw new Error(`no moment is named "${name}"`);
      await interruptRun(moment, signal);
    },
    600_000,
  );
}

/**
 * Runs `meshpact run`, sends `signal` at `moment`, and checks that it stops
 * with exit 130, says so, and leaves no process and no file behind: no
 * Postgres, no service, no verify worker, no contract test, no data directory.
 */
export async function interruptRun(moment: Moment, signal: Signal) {
  const scratch = scratchTmpdir();
  const space = workspace();
  const run = startMeshpact(['run', '--reports', space.reports], {
    TMPDIR: scratch.path,
    MESHPACT_PACT_DIR: space.pacts,
    CI: 'true',
    // Under `npm run test:soak` the consumers' contract tests must still be found.
    MESHPACT_SOAK: undefined,
  });
  try {
    await run.line(moment.line, 300_000);
    run.child.kill(signal);
    expect(await run.exited()).toBe(130);
    expect(run.stderr()).toMatch(
      new RegExp(`stopped by ${signal}; everything it started is stopped`),
    );
    expectNothingLeft(scratch.path, space.pacts);
  } finally {
    run.child.kill('SIGKILL');
    scratch.remove();
    space.remove();
  }
}
