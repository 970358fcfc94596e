import type { Progress } from '../run/mesh-check.js';
import type { MeshReport, Phase, PhaseName } from './model.js';
import { columns } from './table.js';

// What `meshpact run` prints while it works. On a terminal: each phase on one
// line that updates in place, in colour. Elsewhere (a pipe, CI=true): plain
// lines without control codes, one per event, that read well in a CI log.

export interface TerminalOptions {
  write: (text: string) => void;
  /** True on an interactive terminal that is not CI. */
  live: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ansi = { green: '32', red: '31', yellow: '33', dim: '2', bold: '1' } as const;

export function terminalProgress(options: TerminalOptions): Progress {
  const { write, live } = options;
  const paint = (code: string, text: string) => (live ? `\u001b[${code}m${text}\u001b[0m` : text);
  let open: PhaseName | undefined;
  return {
    phaseStarted(name) {
      open = name;
      write(live ? paint(ansi.dim, `… ${name}`) : `${name}: started\n`);
    },
    step(name, text) {
      if (live) write(`\r\u001b[2K${paint(ansi.dim, `… ${name}: ${text}`)}`);
      else write(`${name}: ${text}\n`);
    },
    phaseEnded(phase: Phase) {
      const mark = phase.status === 'ok' ? '✓' : phase.status === 'failed' ? '✗' : '-';
      const colour =
        phase.status === 'ok' ? ansi.green : phase.status === 'failed' ? ansi.red : ansi.dim;
      const line = `${mark} ${phase.name.padEnd(15)} ${phase.detail} (${seconds(phase.durationMs)})`;
      if (live) write(`\r\u001b[2K${paint(colour, line)}\n`);
      else
        write(`${phase.name}: ${phase.status} in ${seconds(phase.durationMs)}: ${phase.detail}\n`);
      if (open === phase.name) open = undefined;
    },
  };
}

/** The matrix, the failures and the verdict, after the phases. */
export function renderOutcome(report: MeshReport, live: boolean): string {
  const paint = (code: string, text: string) => (live ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [''];
  for (const verification of report.verifications)
    for (const interaction of verification.interactions.filter((i) => !i.success)) {
      lines.push(
        `${interaction.pending ? 'pending' : 'FAILED'}: ${interaction.consumer} -> ${verification.provider}: ${interaction.description}`,
      );
      for (const mismatch of interaction.mismatches) lines.push(`    ${mismatch}`);
    }
  if (report.matrix.length > 0) {
    const rows = report.matrix.map((row) => [
      row.consumer,
      row.consumerVersion,
      row.provider,
      row.providerVersion ?? '-',
      row.success === true ? 'verified' : row.success === false ? 'FAILED' : 'not verified',
    ]);
    const header = ['CONSUMER', 'VERSION', 'PROVIDER', 'VERSION', 'RESULT'];
    const format = columns(header, rows);
    lines.push(paint(ansi.bold, format(header)));
    for (const row of rows) {
      const text = format(row);
      lines.push(
        row[4] === 'verified'
          ? paint(ansi.green, text)
          : paint(row[4] === 'FAILED' ? ansi.red : ansi.yellow, text),
      );
    }
  }
  for (const decision of report.canIDeploy.filter((d) => d.deployable !== true))
    lines.push(
      `can-i-deploy ${decision.pacticipant} ${decision.version}: no: ${decision.reasons.join('; ')}`,
    );
  lines.push('');
  lines.push(
    report.verdict === 'pass'
      ? paint(
          ansi.green,
          `✓ the mesh agrees: every pact verified, every pacticipant may deploy (${seconds(report.durationMs)})`,
        )
      : paint(ansi.red, `✗ the mesh does not agree (${seconds(report.durationMs)})`),
  );
  return `${lines.join('\n')}\n`;
}
