import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshReport, Phase } from './model.js';
import { renderOutcome, terminalProgress, type TickingClock } from './terminal.js';

const ESC = '\u001b';

/** A terminal that keeps what was written, and a clock that ticks only when told. */
function terminal() {
  let written = '';
  let now = 0;
  let tick: (() => void) | undefined;
  const clock: TickingClock = {
    now: () => now,
    every(_ms, onTick) {
      tick = onTick;
      return () => (tick = undefined);
    },
  };
  return {
    clock,
    write: (text: string) => (written += text),
    /** What the screen shows: each redraw (\r + erase line) replaces the line it is on. */
    screen: () =>
      written
        .split('\n')
        .map((line) => line.split(`\r${ESC}[2K`).pop()!)
        .map((line) => line.replace(new RegExp(`${ESC}\\[\\d+m`, 'g'), '')),
    written: () => written,
    advance(ms: number) {
      now += ms;
      tick?.();
    },
    ticking: () => tick !== undefined,
  };
}

const ended = (name: Phase['name'], status: Phase['status'], detail: string): Phase => ({
  name,
  status,
  detail,
  durationMs: 2300,
});

describe('terminalProgress', () => {
  describe('on a terminal', () => {
    it('shows the phase at work on one line, with what it does and its time ticking', () => {
      const t = terminal();
      const progress = terminalProgress({ write: t.write, live: true, clock: t.clock });

      progress.phaseStarted('verify');
      progress.working('verify', 'auth-service');
      t.advance(1500);
      expect(t.screen()).toEqual([expect.stringMatching(/^\S verify: auth-service 1\.5 s$/)]);

      t.advance(1000);
      expect(t.screen()).toEqual([expect.stringMatching(/^\S verify: auth-service 2\.5 s$/)]);
      expect(t.written()).toContain(ESC);
    });

    it('keeps each step and each finished phase on a line of its own above the live line', () => {
      const t = terminal();
      const progress = terminalProgress({ write: t.write, live: true, clock: t.clock });

      progress.phaseStarted('verify');
      progress.working('verify', 'auth-service');
      progress.step('verify', 'auth-service: 12/12 interactions');
      progress.working('verify', 'backend-api');
      progress.step('verify', 'backend-api: 20/21 interactions, failed');
      t.advance(100);
      expect(t.screen()).toEqual([
        '    auth-service: 12/12 interactions',
        '    backend-api: 20/21 interactions, failed',
        expect.stringMatching(/^\S verify: backend-api 0\.1 s$/),
      ]);

      progress.phaseEnded(ended('verify', 'failed', '32 of 33 interactions verified, 1 failed'));
      expect(t.screen()).toEqual([
        '    auth-service: 12/12 interactions',
        '    backend-api: 20/21 interactions, failed',
        '✗ verify          32 of 33 interactions verified, 1 failed (2.3 s)',
        '',
      ]);
      expect(t.ticking()).toBe(false);
    });

    it('draws nothing more once closed, as when Ctrl-C stops the run mid-phase', () => {
      const t = terminal();
      const progress = terminalProgress({ write: t.write, live: true, clock: t.clock });
      progress.phaseStarted('contracts');
      t.advance(300);

      progress.close();
      expect(t.screen()).toEqual(['']);
      expect(t.ticking()).toBe(false);
      const before = t.written();
      progress.phaseStarted('publish');
      progress.step('publish', 'web-app: 3 pacts');
      expect(t.written()).toBe(before);
    });
  });

  describe('elsewhere (a pipe, CI=true)', () => {
    it('prints one plain line per event, without control codes', () => {
      const t = terminal();
      const progress = terminalProgress({ write: t.write, live: false, clock: t.clock });

      progress.phaseStarted('verify');
      progress.working('verify', 'auth-service');
      t.advance(1000);
      progress.step('verify', 'auth-service: 12/12 interactions');
      progress.phaseEnded(ended('verify', 'ok', '12 of 12 interactions verified'));

      expect(t.written()).toBe(
        [
          'verify: started',
          'verify: auth-service: 12/12 interactions',
          'verify: ok in 2.3 s: 12 of 12 interactions verified',
          '',
        ].join('\n'),
      );
      expect(t.ticking()).toBe(false);
    });
  });
});

describe('renderOutcome', () => {
  const fixture = JSON.parse(
    readFileSync(join(import.meta.dirname, '__fixtures__/mesh-report.json'), 'utf8'),
  ) as MeshReport;

  it('names each failed interaction, then each failure outside any interaction, with its provider', () => {
    const report: MeshReport = {
      ...fixture,
      verifications: fixture.verifications.map((v) =>
        v.provider === 'backend-events'
          ? { ...v, success: false, problems: ['provider state "x" failed: no answer in time'] }
          : v,
      ),
    };
    const lines = renderOutcome(report, false).split('\n');
    expect(lines.filter((line) => line.startsWith('FAILED: '))).toEqual([
      'FAILED: web-app -> auth-service: a login with the right password',
      'FAILED: backend-events, outside any interaction: provider state "x" failed: no answer in time',
    ]);
  });
});
