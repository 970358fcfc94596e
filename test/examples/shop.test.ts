import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { MeshReport } from '../../src/report/model.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { buildCli, runMeshpactAsync, scratchTmpdir } from '../support/meshpact-process.js';

// examples/shop, a mesh meshpact did not write, checked by `meshpact run
// --mesh` from a copy of its folder: green as it is, then broken in three
// ways by a real edit of the provider's source, each failing with the
// interaction named.

const root = packageRoot();
const example = join(root, 'examples/shop');

interface Edit {
  /** A file under provider/. */
  file: string;
  change(source: string): string;
}

/** A copy of examples/shop (without pacts/), using the repository's node_modules, with an edit applied. */
function copyOfShop(edit?: Edit) {
  const dir = mkdtempSync(join(tmpdir(), 'shop-example-'));
  cpSync(example, dir, {
    recursive: true,
    filter: (source) => !/^(pacts|node_modules)\b/.test(relative(example, source)),
  });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  if (edit) {
    const file = join(dir, 'provider', edit.file);
    const source = readFileSync(file, 'utf8');
    const changed = edit.change(source);
    expect(changed).not.toBe(source);
    writeFileSync(file, changed);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs meshpact on the copy's mesh.yaml; the report and exit code, and nothing left running. */
async function runShop(dir: string) {
  const scratch = scratchTmpdir();
  try {
    const run = await runMeshpactAsync(
      ['run', '--mesh', join(dir, 'mesh.yaml'), '--json', '--reports', join(dir, 'reports')],
      { TMPDIR: scratch.path, CI: 'true' },
    );
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
    expect(processes.filter((line) => line.includes(dir))).toEqual([]);
    let report: MeshReport;
    try {
      report = JSON.parse(run.stdout) as MeshReport;
    } catch {
      throw new Error(`exit ${run.status}, no JSON report:\n${run.stdout}\n${run.stderr}`);
    }
    return { status: run.status, report };
  } finally {
    scratch.remove();
  }
}

/** "consumer -> provider: description" of every interaction that failed, with its mismatch texts. */
function failures(report: MeshReport): Map<string, string> {
  return new Map(
    report.verifications.flatMap((verification) =>
      verification.interactions
        .filter((interaction) => !interaction.success)
        .map((interaction) => [
          `${interaction.consumer} -> ${verification.provider}: ${interaction.description}`,
          [...interaction.mismatches, ...verification.problems].join('\n'),
        ]),
    ),
  );
}

const verified = (report: MeshReport) =>
  report.verifications.map((v) => [v.provider, v.success, v.interactions.length]);

describe('examples/shop under meshpact run --mesh', () => {
  beforeAll(() => buildCli(), 120_000);

  it('verifies green as it is: both providers, every interaction, everyone may deploy', async () => {
    const shop = copyOfShop();
    try {
      const { status, report } = await runShop(shop.dir);
      expect(failures(report)).toEqual(new Map());
      expect(report.phases.filter((phase) => phase.status === 'failed')).toEqual([]);
      expect(status).toBe(0);
      expect(report.verdict).toBe('pass');
      expect(report.pacticipants.map((p) => p.name).sort()).toEqual([
        'shop-api',
        'shop-updates',
        'shop-web',
      ]);
      expect(verified(report)).toEqual([
        ['shop-api', true, 5],
        ['shop-updates', true, 3],
      ]);
      expect(report.canIDeploy.every((decision) => decision.deployable === true)).toBe(true);
      // The consumer's pacts are where its manifest entry says (tests.pacts), and `verify`
      // finds them there on its own.
      expect(readdirSync(join(shop.dir, 'pacts')).sort()).toEqual([
        'shop-web-shop-api.json',
        'shop-web-shop-updates.json',
      ]);
      const verify = await runMeshpactAsync(
        ['verify', '--mesh', join(shop.dir, 'mesh.yaml'), '--provider', 'shop-updates'],
        { CI: 'true' },
      );
      expect(verify.status).toBe(0);
      expect(verify.stdout).toContain('shop-updates: 3 passed, 0 failed; verified');
    } finally {
      shop.remove();
    }
  }, 600_000);

  it('fails when the provider renames an HTTP field, naming the interactions that read it', async () => {
    const shop = copyOfShop({
      file: 'app.js',
      change: (source) =>
        source.replace('  price_cents: product.price_cents,', '  price: product.price_cents,'),
    });
    try {
      const { status, report } = await runShop(shop.dir);
      expect(status).toBe(1);
      expect(report.verdict).toBe('fail');
      const failed = failures(report);
      expect([...failed.keys()].sort()).toEqual([
        'shop-web -> shop-api: a request for a product by id',
        'shop-web -> shop-api: a request for the product list',
      ]);
      expect(failed.get('shop-web -> shop-api: a request for a product by id')).toContain(
        'price_cents',
      );
      expect(verified(report)).toContainEqual(['shop-updates', true, 3]);
    } finally {
      shop.remove();
    }
  }, 600_000);

  it('fails when the provider sends two WebSocket frames in the wrong order, naming the conversation', async () => {
    const shop = copyOfShop({
      file: 'store.js',
      change: (source) =>
        source.replace(
          "['order_placed', 'order_packed', 'order_shipped']",
          "['order_placed', 'order_shipped', 'order_packed']",
        ),
    });
    try {
      const { status, report } = await runShop(shop.dir);
      expect(status).toBe(1);
      const failed = failures(report);
      expect([...failed.keys()]).toEqual([
        'shop-web -> shop-updates: watching an order from placed to shipped',
      ]);
      // The first frame that differs, by its index: hello, watching, placed, then packed was due.
      expect(
        failed.get('shop-web -> shop-updates: watching an order from placed to shipped'),
      ).toMatch(/frames\[3\]|frame 3/);
      expect(verified(report)).toContainEqual(['shop-api', true, 5]);
    } finally {
      shop.remove();
    }
  }, 600_000);

  it('fails when the provider forgets a provider state, naming the interactions given it', async () => {
    const shop = copyOfShop({
      file: 'states.js',
      // The whole entry goes, as when a state is deleted or never written.
      change: (source) => source.replace(/\n {2}'a product exists': [\s\S]*?\n {2}},\n/, '\n'),
    });
    try {
      const source = readFileSync(join(shop.dir, 'provider/states.js'), 'utf8');
      expect(source).not.toContain("'a product exists'");
      const { status, report } = await runShop(shop.dir);
      expect(status).toBe(1);
      const failed = failures(report);
      expect([...failed.keys()].sort()).toEqual([
        'shop-web -> shop-api: a request for a product by id',
        'shop-web -> shop-api: an order for two of a product',
      ]);
      // The provider's own answer says which state it does not know.
      expect(failed.get('shop-web -> shop-api: a request for a product by id')).toContain(
        'a product exists',
      );
      expect(verified(report)).toContainEqual(['shop-updates', true, 3]);
    } finally {
      shop.remove();
    }
  }, 600_000);
});
