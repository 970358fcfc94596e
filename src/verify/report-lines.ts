import { terminalText } from '../report/terminal-text.js';
import type { VerificationReport } from './results.js';

/**
 * A report as terminal lines: one per interaction (✓ passed, ✗ failed, and
 * "✗ pending" for a failure of a pending pact, which does not fail the build),
 * each mismatch indented under its interaction, then the problems and a summary.
 */
export function reportLines(report: VerificationReport): string[] {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  let pending = 0;
  for (const interaction of report.interactions) {
    // Names and mismatches come from pacts and the provider's answers: shown, never obeyed.
    const name = terminalText(`${interaction.consumer}: ${interaction.description}`);
    if (interaction.success) {
      passed++;
      lines.push(`✓ ${name}`);
      continue;
    }
    if (interaction.pending) pending++;
    else failed++;
    lines.push(`✗ ${interaction.pending ? 'pending ' : ''}${name}`);
    for (const mismatch of interaction.mismatches)
      lines.push(`    ${mismatch.split('\n').map(terminalText).join('\n    ')}`);
  }
  for (const problem of report.problems) lines.push(`problem: ${terminalText(problem)}`);
  const counts = [
    `${passed} passed`,
    `${failed} failed`,
    ...(pending > 0 ? [`${pending} pending`] : []),
    ...(report.problems.length > 0 ? [`${report.problems.length} problems`] : []),
  ];
  lines.push(
    `${report.provider}: ${counts.join(', ')}; ${report.success ? 'verified' : 'verification failed'}`,
  );
  return lines;
}
