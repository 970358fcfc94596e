import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderJunit } from './junit.js';
import type { MeshReport } from './model.js';
import { renderSummary } from './summary.js';

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '__fixtures__/mesh-report.json'), 'utf8'),
) as MeshReport;

describe('junit.xml', () => {
  const xml = renderJunit(fixture);

  it('has one test case per interaction, named by consumer, provider and description', () => {
    const interactions = fixture.verifications.flatMap((v) => v.interactions);
    for (const verification of fixture.verifications)
      for (const interaction of verification.interactions)
        expect(xml).toContain(
          `classname="${interaction.consumer} -&gt; ${verification.provider}" name="${interaction.description}"`,
        );
    const verificationCases = xml
      .split('<testsuite ')
      .filter((s) => s.includes('verification"'))
      .join('')
      .match(/<testcase /g);
    expect(verificationCases).toHaveLength(interactions.length);
  });

  it("fails the broken interaction with the verifier's words, and skips a pending failure", () => {
    expect(xml).toMatch(
      /name="a login with the right password">\s*<failure message="\$ -&gt; Actual map is missing the following keys: access_token">/,
    );
    const pending = renderJunit({
      ...fixture,
      verifications: [
        {
          ...fixture.verifications[1]!,
          interactions: [
            {
              consumer: 'web-app',
              description: 'a pong',
              success: false,
              pending: true,
              mismatches: ['$.id -> wrong'],
            },
          ],
        },
      ],
    });
    expect(pending).toMatch(/name="a pong">\s*<skipped message="pending: \$.id -&gt; wrong"\/>/);
  });

  it('has a failing case for each pacticipant that may not deploy', () => {
    expect(xml).toMatch(
      /name="auth-service 5ee7c1b">\s*<failure message="The verification for the pact/,
    );
    expect(xml).toMatch(/<testcase classname="can-i-deploy" name="backend-api 5ee7c1b"\/>/);
  });
});

describe('summary.md', () => {
  const summary = renderSummary(fixture);

  it('leads with the verdict, then names each failed interaction with its mismatch', () => {
    expect(summary.split('\n')[0]).toBe('## meshpact: ❌ the mesh does not agree');
    expect(summary).toContain('- **web-app → auth-service**: a login with the right password');
    expect(summary).toContain('  - `$ -> Actual map is missing the following keys: access_token`');
  });

  it('writes what pacts and verifiers say as text: no HTML, links, mentions or code spans of theirs', () => {
    const hostile: MeshReport = {
      ...fixture,
      verifications: fixture.verifications.map((v, i) =>
        i === 0
          ? {
              ...v,
              interactions: v.interactions.map((interaction) => ({
                ...interaction,
                success: false,
                description: '@org/team <img src=x> see https://evil.example',
                mismatches: ['a `code` | cell'],
              })),
            }
          : v,
      ),
    };
    const text = renderSummary(hostile);
    const joiner = '\u2060';
    expect(text).toContain(
      `**: @${joiner}org/team \\<img src=x\\> see https:${joiner}//evil.example`,
    );
    expect(text).toContain("  - `a 'code' \\| cell`");
    expect(text).not.toMatch(/[^\\]<img/);
  });

  it('shows the matrix and can-i-deploy as tables', () => {
    expect(summary).toContain('| web-app | 5ee7c1b | auth-service | 5ee7c1b | ❌ failed |');
    expect(summary).toContain('| backend-api | 5ee7c1b | ✅ yes |');
  });
});

describe('a verification that failed outside any interaction', () => {
  // Every interaction passed, but a provider state's teardown did not.
  const problem = 'tearing down provider state "alice has a thread" failed: deadlock detected';
  const report: MeshReport = {
    ...fixture,
    verifications: fixture.verifications.map((v) =>
      v.provider === 'backend-events' ? { ...v, success: false, problems: [problem] } : v,
    ),
  };

  it('is named, with its provider, in summary.md', () => {
    expect(renderSummary(report)).toContain(
      `### Failures outside any interaction\n\n- **backend-events**: \`${problem}\``,
    );
  });

  it('is a failing case of its provider in junit.xml', () => {
    expect(renderJunit(report)).toMatch(
      /<testcase classname="backend-events" name="provider states">\s*<failure message="tearing down/,
    );
  });
});
