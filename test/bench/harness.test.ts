import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { format, median, percentile, spread } from '../../bench/support/report.js';
import { packageRoot } from '../../src/runtime/paths.js';

// The shared half of the benchmarks: the statistics every table is made of,
// and `npm run bench -- <name>` refusing a name it does not know. The
// benchmarks themselves run only under `npm run bench`: they are measurements,
// and no test asserts on timing.

describe('the benchmarks’ statistics', () => {
  it('takes a percentile by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('gives p50, p95, p99 and the largest without reordering what it was given', () => {
    const values = [5, 1, 4, 2, 3];
    expect(spread(values)).toEqual({ p50: 3, p95: 5, p99: 5, max: 5 });
    expect(values).toEqual([5, 1, 4, 2, 3]);
    expect(spread([]).max).toBeNaN();
  });

  it('takes the median of rounds', () => {
    expect(median([20.4, 17.2, 20.9])).toBe(20.4);
  });

  it('shows integers grouped, fractions to two places, and no number as a dash', () => {
    expect(format(1234567)).toBe('1,234,567');
    expect(format(1.5)).toBe('1.50');
    expect(format(Number.NaN)).toBe('-');
  });
});

describe('npm run bench', () => {
  it('refuses a benchmark it does not have, in one line, exit 2', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(packageRoot(), 'bench/run.ts'), 'no-such-bench'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'meshpact bench: no benchmark "no-such-bench"; choose from broker-matrix, seed-claims, verify-mesh, ws-fanout\n',
    );
  });
});
