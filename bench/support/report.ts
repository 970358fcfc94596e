import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';

// What every benchmark prints and keeps: a table, one last line of ratios
// (meshpact against its raw baseline, measured in the same run), and
// bench/results/<name>.json with the numbers and the machine they ran on.

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** The value below which `p` percent of `values` fall (nearest rank); NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

/** p50, p95, p99 and the largest of `values` (milliseconds, say). */
export function spread(values: readonly number[]) {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/** The median of `runs` results of one measure (the "medians of 3"). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Prints rows as aligned columns, numbers to the right. */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((row) =>
    row.map((cell) => (typeof cell === 'number' ? format(cell) : cell)),
  );
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (row: string[], numeric: boolean[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(
    line(
      header,
      header.map(() => false),
    ),
  );
  for (const [index, row] of cells.entries())
    console.log(
      line(
        row,
        rows[index]!.map((cell) => typeof cell === 'number'),
      ),
    );
}

/** A number as a table shows it: integers grouped, fractions to two places. */
export function format(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
}

export interface Ratio {
  /** What is compared, e.g. `frames/s @1000 burst`. */
  name: string;
  meshpact: number;
  raw: number;
  /** Whether more is better (throughput) or less (latency); the ratio is always meshpact/raw. */
  better: 'higher' | 'lower';
}

/** The machine a result was measured on, kept with it. */
export function machine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * Writes bench/results/<name>.json and prints the last line every benchmark
 * ends with: `<name> ratios: frames/s @1000 burst 0.71x (higher is better), …`.
 */
export function finish(name: string, ratios: Ratio[], details: Record<string, unknown>): void {
  mkdirSync(resultsDir, { recursive: true });
  const result = {
    name,
    measuredAt: new Date().toISOString(),
    machine: machine(),
    ratios: ratios.map((r) => ({ ...r, ratio: r.meshpact / r.raw })),
    ...details,
  };
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const parts = ratios.map(
    (r) => `${r.name} ${(r.meshpact / r.raw).toFixed(2)}x (${r.better} is better)`,
  );
  console.log(`${name} ratios: ${parts.join(', ')}`);
}
