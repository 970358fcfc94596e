import type { MeshReport } from './model.js';

// JUnit XML, as CI systems read it: one test case per interaction (so each
// shows up on its own), plus the schema check of each pact and can-i-deploy
// for each pacticipant. A pending interaction's failure is "skipped".

const escape = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

interface Case {
  classname: string;
  name: string;
  failure?: { message: string; text: string };
  skipped?: string;
}

function suite(name: string, cases: Case[], durationMs: number): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const body = cases
    .map((c) => {
      const open = `    <testcase classname="${escape(c.classname)}" name="${escape(c.name)}"`;
      if (c.failure)
        return `${open}>\n      <failure message="${escape(c.failure.message)}">${escape(c.failure.text)}</failure>\n    </testcase>`;
      if (c.skipped)
        return `${open}>\n      <skipped message="${escape(c.skipped)}"/>\n    </testcase>`;
      return `${open}/>`;
    })
    .join('\n');
  return `  <testsuite name="${escape(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(durationMs)}">\n${body}\n  </testsuite>`;
}

export function renderJunit(report: MeshReport): string {
  const phaseTime = (name: string) => report.phases.find((p) => p.name === name)?.durationMs ?? 0;
  const suites: string[] = [];
  suites.push(
    suite(
      'contracts against schemas',
      report.contracts.map((contract) => ({
        classname: `${contract.consumer} -> ${contract.provider}`,
        name: `${contract.interactions} interactions fit their schemas`,
        ...(contract.schemaProblems.length
          ? {
              failure: {
                message: contract.schemaProblems[0]!,
                text: contract.schemaProblems.join('\n'),
              },
            }
          : {}),
      })),
      phaseTime('contracts-check'),
    ),
  );
  for (const verification of report.verifications) {
    const cases: Case[] = verification.interactions.map((interaction) => {
      const base = {
        classname: `${interaction.consumer} -> ${verification.provider}`,
        name: interaction.description,
      };
      if (interaction.success) return base;
      const text = interaction.mismatches.join('\n');
      if (interaction.pending)
        return { ...base, skipped: `pending: ${interaction.mismatches[0] ?? 'failed'}` };
      return { ...base, failure: { message: interaction.mismatches[0] ?? 'failed', text } };
    });
    for (const problem of verification.problems)
      cases.push({
        classname: verification.provider,
        name: 'provider states',
        failure: { message: problem, text: problem },
      });
    suites.push(suite(`${verification.provider} verification`, cases, 0));
  }
  suites.push(
    suite(
      'can-i-deploy',
      report.canIDeploy.map((decision) => ({
        classname: 'can-i-deploy',
        name: `${decision.pacticipant} ${decision.version}`,
        ...(decision.deployable === true
          ? {}
          : {
              failure: {
                message: decision.reasons[0] ?? 'not deployable',
                text: decision.reasons.join('\n'),
              },
            }),
      })),
      phaseTime('can-i-deploy'),
    ),
  );
  if (report.review)
    suites.push(
      suite(
        'schema review',
        report.review.changes
          .filter((change) => change.breaking)
          .map((change) => ({
            classname: `${change.document} ${change.exchange}`,
            name: `${change.path} ${change.kind}`,
            ...(change.verdict === 'breaks'
              ? {
                  failure: {
                    message: `${change.detail}: used by ${[...new Set(change.usedBy.map((u) => u.consumer))].join(', ')}`,
                    text: change.usedBy
                      .map((u) => `${u.consumer}: "${u.interaction}" (${u.how})`)
                      .join('\n'),
                  },
                }
              : {}),
          })),
        phaseTime('review'),
      ),
    );
  const failedPhases = report.phases.filter(
    (p) =>
      p.status === 'failed' &&
      !['verify', 'can-i-deploy', 'contracts-check', 'review'].includes(p.name),
  );
  if (failedPhases.length > 0)
    suites.push(
      suite(
        'mesh check',
        failedPhases.map((p) => ({
          classname: 'meshpact run',
          name: p.name,
          failure: { message: p.detail, text: p.detail },
        })),
        0,
      ),
    );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="meshpact run" time="${seconds(report.durationMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
