import type { VerificationReport } from './results.js';
import { withFindings } from './ws.js';

describe('withFindings', () => {
  const report: VerificationReport = {
    provider: 'backend-events',
    success: true,
    problems: [],
    output: '',
    interactions: [
      { consumer: 'web-app', description: 'a run', success: true, mismatches: [] },
      { consumer: 'web-app', description: 'a pong', success: true, mismatches: [] },
    ],
  };

  it("fails the interactions the socket driver found broken, with the driver's words first", () => {
    const found = withFindings(
      report,
      new Map([
        ['a run', ['frames[2] (seq 4) /seq: must be 3 (seq has a gap or is out of order)']],
      ]),
    );

    expect(found.success).toBe(false);
    expect(found.interactions).toEqual([
      {
        consumer: 'web-app',
        description: 'a run',
        success: false,
        mismatches: ['frames[2] (seq 4) /seq: must be 3 (seq has a gap or is out of order)'],
      },
      report.interactions[1],
    ]);
  });

  it('leaves a clean report alone', () => {
    expect(withFindings(report, new Map())).toEqual(report);
  });
});
