import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { errorCatalogue, problemType } from './catalogue.js';

function documentedCodes(): Map<string, number> {
  const doc = readFileSync(join(packageRoot(), 'docs/errors.md'), 'utf8');
  const rows = doc.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm);
  return new Map([...rows].map((row) => [row[1] ?? '', Number(row[2])]));
}

describe('errorCatalogue', () => {
  it('is documented in docs/errors.md, code for code and status for status', () => {
    const documented = documentedCodes();
    const declared = new Map(Object.entries(errorCatalogue).map(([code, e]) => [code, e.status]));
    expect(documented).toEqual(declared);
  });

  it('gives every code a problem type URI of its own', () => {
    expect(problemType('validation_failed')).toBe(
      'https://meshpact.dev/problems/validation-failed',
    );
  });
});
