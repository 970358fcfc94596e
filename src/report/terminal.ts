import type { Progress } from '../run/mesh-check.js';
import type { MeshReport, Phase, PhaseName } from './model.js';
import { columns } from './table.js';

// What `meshpact run` prints while it works. On a terminal: finished phases
// and their steps as lines that stay, under them the phase at work on one line
// that redraws itself, with what it is doing and its time ticking. Elsewhere
// (a pipe, CI=true): plain lines without control codes, one per event, that
// read well in a CI log.

export interface TerminalOptions {
  write: (text: string) => void;
  /** True on an interactive terminal that is not CI. */
  live: boolean;
  /** Time and the redraw timer of the live line; tests pass their own. */
  clock?: TickingClock;
}

export interface TickingClock {
  now(): number;
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
}

const systemTicking: TickingClock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    // The view must never keep a finished (or interrupted) run alive.
    timer.unref();
    return () => clearInterval(timer);
  },
};

/** Progress that also lets go of the terminal: after close(), nothing more is drawn. */
export interface TerminalProgress extends Progress {
  close(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ansi = { green: '32', red: '31', yellow: '33', dim: '2', bold: '1' } as const;
const paint = (code: string, text: string) => `\u001b[${code}m${text}\u001b[0m`;
const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const clearLine = '\r\u001b[2K';
const redrawMs = 100;

export function terminalProgress(options: TerminalOptions): TerminalProgress {
  return options.live ? liveProgress(options) : plainProgress(options.write);
}

function plainProgress(write: (text: string) => void): TerminalProgress {
  return {
    phaseStarted: (name) => write(`${name}: started\n`),
    // A CI log keeps what was done; what is being done is for the live line.
    working: () => undefined,
    step: (name, text) => write(`${name}: ${text}\n`),
    phaseEnded: (phase) =>
      write(`${phase.name}: ${phase.status} in ${seconds(phase.durationMs)}: ${phase.detail}\n`),
    close: () => undefined,
  };
}

function liveProgress({ write, clock = systemTicking }: TerminalOptions): TerminalProgress {
  let open: { name: PhaseName; since: number; doing: string; frame: number } | undefined;
  let stopTicking: () => void = () => undefined;
  let closed = false;

  const draw = () => {
    if (!open || closed) return;
    const doing = open.doing ? `: ${open.doing}` : '';
    const glyph = spinner[open.frame % spinner.length]!;
    write(
      `${clearLine}${paint(ansi.yellow, glyph)} ${open.name}${doing} ${paint(ansi.dim, seconds(clock.now() - open.since))}`,
    );
  };
  /** Writes lines that stay above the live line, then puts the live line back. */
  const above = (text: string) => {
    if (closed) return;
    write(`${clearLine}${text}\n`);
    draw();
  };

  return {
    phaseStarted(name) {
      if (closed) return;
      stopTicking();
      open = { name, since: clock.now(), doing: '', frame: 0 };
      draw();
      stopTicking = clock.every(redrawMs, () => {
        if (open) open.frame += 1;
        draw();
      });
    },
    working(name, text) {
      if (open?.name !== name) return;
      open.doing = text;
      draw();
    },
    step(_name, text) {
      above(paint(ansi.dim, `    ${text}`));
    },
    phaseEnded(phase: Phase) {
      if (open?.name === phase.name) {
        stopTicking();
        open = undefined;
      }
      const mark = phase.status === 'ok' ? '✓' : phase.status === 'failed' ? '✗' : '-';
      const colour =
        phase.status === 'ok' ? ansi.green : phase.status === 'failed' ? ansi.red : ansi.dim;
      above(
        paint(
          colour,
          `${mark} ${phase.name.padEnd(15)} ${phase.detail} (${seconds(phase.durationMs)})`,
        ),
      );
    },
    close() {
      if (closed) return;
      stopTicking();
      if (open) write(clearLine);
      open = undefined;
      closed = true;
    },
  };
}

/** The matrix, the failures and the verdict, after the phases. */
export function renderOutcome(report: MeshReport, live: boolean): string {
  const colour = (code: string, text: string) => (live ? paint(code, text) : text);
  const lines: string[] = [''];
  for (const verification of report.verifications)
    for (const interaction of verification.interactions.filter((i) => !i.success)) {
      lines.push(
        `${interaction.pending ? 'pending' : 'FAILED'}: ${interaction.consumer} -> ${verification.provider}: ${interaction.description}`,
      );
      for (const mismatch of interaction.mismatches) lines.push(`    ${mismatch}`);
    }
  for (const verification of report.verifications)
    for (const problem of verification.problems)
      lines.push(`FAILED: ${verification.provider}, outside any interaction: ${problem}`);
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
    lines.push(colour(ansi.bold, format(header)));
    for (const row of rows) {
      const text = format(row);
      lines.push(
        row[4] === 'verified'
          ? colour(ansi.green, text)
          : colour(row[4] === 'FAILED' ? ansi.red : ansi.yellow, text),
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
      ? colour(
          ansi.green,
          `✓ the mesh agrees: every pact verified, every pacticipant may deploy (${seconds(report.durationMs)})`,
        )
      : colour(ansi.red, `✗ the mesh does not agree (${seconds(report.durationMs)})`),
  );
  return `${lines.join('\n')}\n`;
}
