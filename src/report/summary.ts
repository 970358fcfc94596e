import { markdownCode, markdownText as cell } from './markdown.js';
import { reviewMarkdown } from '../review/review-report.js';
import type { MeshReport } from './model.js';

// summary.md: a PR comment. The verdict first, then what failed with the
// verifier's own words, then the matrix and can-i-deploy.

const result = (success: boolean | null) =>
  success === true ? '✅ verified' : success === false ? '❌ failed' : '❔ not verified';

export function renderSummary(report: MeshReport): string {
  const lines: string[] = [];
  const passed = report.verdict === 'pass';
  lines.push(
    `## meshpact: ${passed ? '✅ every consumer and provider agree' : '❌ the mesh does not agree'}`,
  );
  lines.push('');
  lines.push(
    `Version \`${report.version.number}\` on \`${report.version.branch}\`, checked in ${(report.durationMs / 1000).toFixed(1)} s against the ${report.broker.kind === 'embedded' ? 'embedded broker' : `broker at ${report.broker.url}`}.`,
  );
  const failedPhases = report.phases.filter((p) => p.status === 'failed');
  if (failedPhases.length > 0) {
    lines.push('', '### What failed', '');
    for (const phase of failedPhases) lines.push(`- **${phase.name}**: ${cell(phase.detail)}`);
  }
  const failures = report.verifications.flatMap((v) =>
    v.interactions
      .filter((i) => !i.success && !i.pending)
      .map((i) => ({ provider: v.provider, ...i })),
  );
  if (failures.length > 0) {
    lines.push('', '### Failed interactions', '');
    for (const failure of failures) {
      lines.push(
        `- **${cell(failure.consumer)} → ${cell(failure.provider)}**: ${cell(failure.description)}`,
      );
      for (const mismatch of failure.mismatches) lines.push(`  - ${markdownCode(mismatch)}`);
    }
  }
  // A failed state change or teardown fails the verification with every interaction passed.
  const outside = report.verifications.flatMap((v) =>
    v.problems.map((problem) => ({ provider: v.provider, problem })),
  );
  if (outside.length > 0) {
    lines.push('', '### Failures outside any interaction', '');
    for (const { provider, problem } of outside)
      lines.push(`- **${cell(provider)}**: ${markdownCode(problem)}`);
  }
  const problems = report.contracts.flatMap((c) => c.schemaProblems);
  if (problems.length > 0) {
    lines.push('', '### Contract examples that break their schemas', '');
    for (const problem of problems) lines.push(`- ${cell(problem)}`);
  }
  if (report.matrix.length > 0) {
    lines.push(
      '',
      '### Matrix',
      '',
      '| consumer | version | provider | version | result |',
      '|---|---|---|---|---|',
    );
    for (const row of report.matrix)
      lines.push(
        `| ${cell(row.consumer)} | ${cell(row.consumerVersion)} | ${cell(row.provider)} | ${cell(row.providerVersion ?? '–')} | ${result(row.success)} |`,
      );
  }
  if (report.canIDeploy.length > 0) {
    lines.push(
      '',
      '### can-i-deploy',
      '',
      '| pacticipant | version | deployable | why |',
      '|---|---|---|---|',
    );
    for (const decision of report.canIDeploy)
      lines.push(
        `| ${cell(decision.pacticipant)} | ${cell(decision.version)} | ${decision.deployable === true ? '✅ yes' : decision.deployable === false ? '❌ no' : '❔ unknown'} | ${cell(decision.reasons.join('; '))} |`,
      );
  }
  if (report.review) lines.push('', reviewMarkdown(report.review, 3).trimEnd());
  const verified = report.verifications.flatMap((v) => v.interactions);
  lines.push(
    '',
    `<sub>${report.contracts.length} pacts, ${verified.length} interactions verified against the real services; ${report.phases.map((p) => `${p.name} ${(p.durationMs / 1000).toFixed(1)} s`).join(', ')}.</sub>`,
    '',
  );
  return lines.join('\n');
}
