import { markdownCode, markdownText } from '../report/markdown.js';
import { columns } from '../report/table.js';
import { terminalText } from '../report/terminal-text.js';
import type { ChangeImpact, InteractionUse, PactRef, Verdict } from './consumer-impact.js';
import type { SchemaReview } from './review.js';

// A review for people: a table in the terminal, and a Markdown section for
// the pull request (`meshpact review --markdown`, and summary.md when
// `meshpact run --base` is given). Breaking changes in use come first, then
// breaking changes nobody uses with the pacts that show it, then the rest.

const order: Record<Verdict, number> = { breaks: 0, unverified: 1, unused: 2, compatible: 3 };
const label: Record<Verdict, string> = {
  breaks: 'BREAKS',
  unverified: 'UNVERIFIED',
  unused: 'UNUSED',
  compatible: 'ok',
};

const sorted = (changes: readonly ChangeImpact[]) =>
  [...changes].sort((a, b) => order[a.verdict] - order[b.verdict]);

const pactName = (ref: PactRef) => (ref.version ? `${ref.consumer} ${ref.version}` : ref.consumer);

/** The consumers of `uses`, each once (a consumer version with several interactions). */
const consumersOf = (uses: readonly InteractionUse[]) => [...new Set(uses.map(pactName))];

/** One line on what the review found, e.g. `1 change breaks web-app; 2 breaking changes are unused; 3 compatible`. */
export function reviewVerdict(review: SchemaReview): string {
  const count = (verdict: Verdict) => review.changes.filter((c) => c.verdict === verdict).length;
  if (review.changes.length === 0) return `no schema changes since ${review.base}`;
  const breaking = count('breaks');
  const broken = consumersOf(
    review.changes.flatMap((c) => (c.verdict === 'breaks' ? c.usedBy : [])),
  );
  const unverified = count('unverified');
  const parts = [
    breaking > 0
      ? `${breaking} breaking change${breaking === 1 ? '' : 's'} in use by ${broken.join(', ')}`
      : 'no breaking change is in use',
    ...(unverified > 0 ? [`${unverified} breaking but unchecked (no pact read)`] : []),
    `${count('unused')} breaking but unused (safe to ship)`,
    `${count('compatible')} compatible`,
  ];
  return `${parts.join('; ')} (since ${review.base})`;
}

/** The review as terminal lines: a table of every change, who uses each breaking one, the pacts read, the verdict. */
export function reviewLines(review: SchemaReview): string[] {
  const lines: string[] = [];
  const changes = sorted(review.changes);
  if (changes.length > 0) {
    const header = ['VERDICT', 'DOCUMENT', 'EXCHANGE', 'PATH', 'CHANGE', 'USED BY'];
    const rows = changes.map((c) =>
      [
        label[c.verdict],
        c.document,
        c.exchange,
        c.path,
        `${c.kind}: ${c.detail}`,
        c.usedBy.length > 0 ? consumersOf(c.usedBy).join(', ') : c.breaking ? 'nobody' : '-',
      ].map(terminalText),
    );
    const line = columns(header, rows);
    lines.push(line(header), ...rows.map(line));
  }
  const breaking = changes.filter((c) => c.verdict !== 'compatible');
  for (const change of breaking) {
    lines.push(
      '',
      `${label[change.verdict]} ${change.document} ${change.exchange} ${change.path}: ${change.detail}`,
    );
    for (const use of change.usedBy)
      lines.push(`  used by ${pactName(use)}: "${use.interaction}" (${use.how})`);
    lines.push(`  ${notUsedLine(change)}`);
  }
  lines.push('', 'Pacts read:');
  if (review.pacts.length === 0) lines.push('  none');
  for (const pact of review.pacts)
    lines.push(
      `  ${pact.consumer}${pact.version ? ` ${pact.version}` : ''} -> ${pact.provider}: ${pact.interactions} interaction${pact.interactions === 1 ? '' : 's'}, from ${pact.source}`,
    );
  lines.push('', reviewVerdict(review));
  // Names, descriptions and versions come from pacts and brokers: shown, never obeyed.
  return lines.map(terminalText);
}

function notUsedLine(change: ChangeImpact): string {
  if (change.site.kind === 'schema')
    return 'no API document exchanges this schema, so no pact can use it';
  if (change.providers.length === 0)
    return 'no provider in the mesh manifest declares this document (openapi:, asyncapi:), so no pact was read for it';
  if (change.verdict === 'unverified')
    return `no pact of ${change.providers.join(', ')} was read, though the mesh manifest names consumers of it`;
  if (change.notUsedBy.length > 0)
    return `not used by ${change.notUsedBy.map(pactName).join(', ')}`;
  return change.usedBy.length > 0
    ? `every pact read with ${change.providers.join(', ')} uses it`
    : `no pact with ${change.providers.join(', ')} was read`;
}

/** The review as a Markdown section for a pull request comment (`level` is its heading's). */
export function reviewMarkdown(review: SchemaReview, level = 2): string {
  const h = '#'.repeat(level);
  const icon: Record<Verdict, string> = {
    breaks: '❌ breaks',
    unverified: '❓ unverified',
    unused: '⚠️ unused',
    compatible: '✅ compatible',
  };
  const lines = [
    `${h} Schema review: ${
      review.breaksConsumers
        ? '❌ a change breaks a consumer that uses it'
        : review.unverified
          ? '❓ a breaking change could not be checked against any pact'
          : '✅ no change breaks a consumer'
    }`,
    '',
    markdownText(reviewVerdict(review)),
  ];
  const changes = sorted(review.changes);
  if (changes.length > 0) {
    lines.push(
      '',
      '| Verdict | Exchange | Path | Change | Used by | Not used by |',
      '|---|---|---|---|---|---|',
    );
    for (const c of changes)
      lines.push(
        `| ${icon[c.verdict]} | ${markdownText(c.document)} ${markdownCode(c.exchange)} | ${markdownCode(c.path)} | ${markdownText(`${c.kind}: ${c.detail}`)} | ${
          c.usedBy
            .map((u) => markdownText(`${pactName(u)}: "${u.interaction}" (${u.how})`))
            .join('<br>') || '–'
        } | ${
          c.verdict === 'compatible'
            ? '–'
            : markdownText(notUsedLine(c).replace(/^not used by /, ''))
        } |`,
      );
  }
  lines.push(
    '',
    `<details><summary>Pacts read (${review.pacts.length})</summary>`,
    '',
    '| Consumer | Version | Provider | Interactions | Source |',
    '|---|---|---|---|---|',
    ...review.pacts.map(
      (p) =>
        `| ${markdownText(p.consumer)} | ${markdownText(p.version ?? '–')} | ${markdownText(p.provider)} | ${p.interactions} | ${markdownText(p.source)} |`,
    ),
    '',
    '</details>',
  );
  return `${lines.join('\n')}\n`;
}
