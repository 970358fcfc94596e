import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BrokerClient } from '../broker/client.js';
import { loadBrokerConfig } from '../broker/config.js';
import { start as startBroker } from '../broker/server.js';
import { checkPactFiles } from '../contracts/contracts-check.js';
import { generatePacts } from '../contracts/generate.js';
import type { Mesh } from '../contracts/mesh-model.js';
import { checkMeshSchemas } from '../contracts/mesh-schemas.js';
import { readPactFile } from '../contracts/pact-files.js';
import { describeProblem } from '../contracts/schema-check.js';
import type {
  ContractSummary,
  DeployDecision,
  MatrixEntry,
  MeshReport,
  Phase,
  PhaseName,
} from '../report/model.js';
import { reviewedPactFiles } from '../review/pact-sources.js';
import { reviewVerdict } from '../review/review-report.js';
import { reviewMesh } from '../review/review.js';
import type { Logger } from '../runtime/logger.js';
import { startPostgres } from '../runtime/postgres.js';
import { Supervisor } from '../runtime/supervisor.js';
import { providersSharingServices } from '../verify/provider-groups.js';
import type { VerificationReport } from '../verify/results.js';
import type { PactSource } from '../verify/verifier.js';

// The whole mesh check, phase by phase: schemas, Postgres, a broker, the
// consumers' contract tests, their pacts against the schemas, publishing,
// verifying every provider from the broker, can-i-deploy for everyone. What it
// finds becomes one MeshReport; everything it started is stopped at the end,
// on failure and on cancellation too.

export interface MeshCheckOptions {
  mesh: Mesh;
  /** The version and branch pacts and results are published as (the git commit and branch). */
  version: { number: string; branch: string };
  /** An external Postgres; embedded when unset. */
  databaseUrl?: string | undefined;
  /** A real Pact Broker / PactFlow; meshpact's own broker when unset. */
  broker?: { url: string; token?: string | undefined } | undefined;
  /** Where every consumer's contract tests write their pacts instead of their manifest `tests.pacts` (MESHPACT_PACT_DIR). */
  pactDir?: string | undefined;
  /** Review the schemas against this git ref, judging each change by the pacts the run wrote. */
  base?: string | undefined;
  /** can-i-deploy to this environment rather than alongside the latest versions. */
  toEnvironment?: string | undefined;
  logger: Logger;
  /**
   * Starts verifying providers that share services, one after another on one
   * set of them: their services start at once, while the contracts are being
   * written, and they are verified when told, once the pacts are published;
   * `run` does it in a child process (verify-in-child.ts). `databaseUrl` is the
   * Postgres the check runs on, where the services get scratch databases;
   * undefined with an external broker and no DATABASE_URL.
   */
  startVerification: (
    providers: string[],
    source: PactSource,
    databaseUrl: string | undefined,
  ) => Verification;
  signal?: AbortSignal;
}

/** Verification started, its services starting or up. */
export interface Verification {
  /** Verifies, once the services are up; `verified` hears each report as it is made. */
  verify(verified: (report: VerificationReport) => void): Promise<VerificationReport[]>;
  /** Stops it and what it started, told to verify or not. */
  close(): Promise<void>;
}

/** Told as the check goes, for a progress view. */
export interface Progress {
  phaseStarted(name: PhaseName): void;
  phaseEnded(phase: Phase): void;
  /** What a phase is busy with now, e.g. the provider being verified; replaced by the next. */
  working(name: PhaseName, text: string): void;
  /** Something a phase has done, e.g. one provider verified. */
  step(name: PhaseName, text: string): void;
}

export const silentProgress: Progress = {
  phaseStarted: () => undefined,
  phaseEnded: () => undefined,
  working: () => undefined,
  step: () => undefined,
};

/** A phase that could not go on: the check stops, and the report says where. */
class PhaseFailed extends Error {}

export async function runMeshCheck(
  options: MeshCheckOptions,
  progress: Progress = silentProgress,
): Promise<MeshReport> {
  const { mesh, version, signal } = options;
  const started = Date.now();
  const phases: Phase[] = [];
  const report: MeshReport = {
    verdict: 'fail',
    startedAt: new Date(started).toISOString(),
    durationMs: 0,
    version,
    broker: { url: options.broker?.url ?? '', kind: options.broker ? 'external' : 'embedded' },
    pacticipants: [...mesh.pacticipants.values()].map(({ name, kind }) => ({ name, kind })),
    phases,
    contracts: [],
    verifications: [],
    canIDeploy: [],
    matrix: [],
  };

  /** Runs a phase; its detail line comes back with the outcome. */
  const phase = async <T>(
    name: PhaseName,
    work: () => Promise<{ value: T; ok: boolean; detail: string }>,
  ): Promise<T> => {
    signal?.throwIfAborted();
    progress.phaseStarted(name);
    const start = Date.now();
    let outcome: { value: T; ok: boolean; detail: string };
    try {
      outcome = await work();
    } catch (error) {
      signal?.throwIfAborted();
      const ended: Phase = {
        name,
        status: 'failed',
        durationMs: Date.now() - start,
        detail: (error as Error).message,
      };
      phases.push(ended);
      progress.phaseEnded(ended);
      throw new PhaseFailed((error as Error).message, { cause: error });
    }
    const ended: Phase = {
      name,
      status: outcome.ok ? 'ok' : 'failed',
      durationMs: Date.now() - start,
      detail: outcome.detail,
    };
    phases.push(ended);
    progress.phaseEnded(ended);
    return outcome.value;
  };

  const supervisor = new Supervisor();
  // Each service verified gets a scratch database on this server rather than
  // an embedded server of its own: an initdb and a start per service were most
  // of what starting a provider cost.
  let databaseUrl = options.databaseUrl;
  try {
    await phase('schemas', () => {
      const checked = checkMeshSchemas(mesh);
      return Promise.resolve({
        value: undefined,
        ok: checked.problems.length === 0,
        detail:
          checked.problems.length === 0
            ? `${checked.schemas} compiled, ${checked.examples} examples valid`
            : checked.problems.join('; '),
      });
    });

    const brokerUrl = await (async () => {
      if (options.broker) {
        report.broker.url = options.broker.url;
        return options.broker.url;
      }
      const postgres = await phase('postgres', async () => {
        const handle = await startPostgres({
          databaseUrl: options.databaseUrl,
          scratchDatabase: !!options.databaseUrl,
        });
        supervisor.own('postgres', { close: () => handle.stop() });
        databaseUrl ??= handle.connectionString;
        return {
          value: handle,
          ok: true,
          detail: handle.embedded ? 'embedded' : 'DATABASE_URL (a scratch database)',
        };
      });
      return phase('broker', async () => {
        const broker = await startBroker(loadBrokerConfig({ BROKER_PORT: '0' }), {
          connectionString: postgres.connectionString,
          logger: options.logger,
        });
        supervisor.own('broker', broker);
        report.broker.url = broker.url;
        return { value: broker.url, ok: true, detail: broker.url };
      });
    })();
    const client = new BrokerClient({ baseUrl: brokerUrl, token: options.broker?.token });

    // The providers' services start now, alongside the contract tests: the
    // verifiers need only the pacts, published further on.
    const providers = [...new Set(mesh.contracts.map((pair) => pair.provider))];
    const source: PactSource = {
      brokerUrl,
      ...(options.broker?.token ? { token: options.broker.token } : {}),
      consumerVersionSelectors: [
        { matchingBranch: true },
        { mainBranch: true },
        { deployedOrReleased: true },
      ],
      // Before merge every pact must hold: a failure is a failure, pending or not.
      enablePending: false,
      providerVersionBranch: version.branch,
      publish: { providerVersion: version.number },
    };
    // Providers that share services are verified one after another on one
    // set of them; groups that share none, side by side, each in a worker of
    // its own.
    const verifications = providersSharingServices(mesh, providers).map((group) =>
      supervisor.own(
        `verification of ${group.join(', ')}`,
        options.startVerification(group, source, databaseUrl),
      ),
    );

    const generated = await phase('contracts', async () => {
      progress.working('contracts', "running the consumers' contract tests");
      const pacts = await generatePacts(mesh, options.pactDir, signal ? { signal } : {});
      const dirs = [...new Set(pacts.files.map((f) => dirname(f.file)))];
      return {
        value: pacts,
        ok: true,
        detail: `${pacts.files.length} pacts written to ${dirs.join(', ')}`,
      };
    });

    report.contracts = await phase('contracts-check', () => {
      const checked = generated.files.flatMap(({ file }) => checkPactFiles(file, mesh));
      const contracts: ContractSummary[] = checked.map((file) => ({
        consumer: file.consumer,
        provider: file.provider,
        interactions: file.interactions,
        schemaProblems: file.problems.map(describeProblem),
      }));
      for (const c of contracts)
        progress.step(
          'contracts-check',
          `${c.consumer} -> ${c.provider}: ${c.interactions} interactions${c.schemaProblems.length ? `, ${c.schemaProblems.length} break their schemas` : ''}`,
        );
      const broken = contracts.reduce((n, c) => n + c.schemaProblems.length, 0);
      const interactions = contracts.reduce((n, c) => n + c.interactions, 0);
      return Promise.resolve({
        value: contracts,
        ok: broken === 0,
        detail:
          broken === 0
            ? `${interactions} interactions, every example fits its schema`
            : `${broken} examples break their schemas`,
      });
    });

    const base = options.base;
    if (base !== undefined)
      report.review = await phase('review', () => {
        const pacts = reviewedPactFiles(
          generated.files.map(({ file }) => readPactFile(file)),
          mesh.root,
        );
        const review = reviewMesh(mesh, { base, pacts });
        progress.step('review', reviewVerdict(review));
        return Promise.resolve({
          value: review,
          ok: !review.breaksConsumers && !review.unverified,
          detail: reviewVerdict(review),
        });
      });

    await phase('publish', async () => {
      const consumers = [...new Set(generated.files.map((f) => f.consumer))];
      for (const consumer of consumers) {
        progress.working('publish', consumer);
        const pacts = await Promise.all(
          generated.files
            .filter((f) => f.consumer === consumer)
            .map(async (f) => ({
              consumer,
              provider: f.provider,
              content: JSON.parse(await readFile(f.file, 'utf8')) as unknown,
            })),
        );
        await client.publish({
          pacticipant: consumer,
          version: version.number,
          branch: version.branch,
          pacts,
        });
        progress.step(
          'publish',
          `${consumer}: ${pacts.length} pact${pacts.length === 1 ? '' : 's'}`,
        );
      }
      return {
        value: undefined,
        ok: true,
        detail: `${generated.files.length} pacts as ${version.number} on ${version.branch}`,
      };
    });

    report.verifications = await phase('verify', async () => {
      // Each provider is told as it ends; the report keeps the manifest's order.
      progress.working('verify', providers.join(', '));
      const left = new Set(providers);
      const verified = (report: VerificationReport) => {
        left.delete(report.provider);
        const passed = report.interactions.filter((i) => i.success).length;
        progress.step(
          'verify',
          `${report.provider}: ${passed}/${report.interactions.length} interactions${report.success ? '' : ', failed'}`,
        );
        if (left.size > 0) progress.working('verify', [...left].join(', '));
      };
      // One group that cannot run fails the phase, but only once the others have ended: none is left behind.
      const ended = await Promise.allSettled(
        verifications.map((verification) => verification.verify(verified)),
      );
      const unrun = ended.find((outcome) => outcome.status === 'rejected');
      if (unrun) throw unrun.reason;
      const reports = ended.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? outcome.value : [],
      );
      const results = providers.map((provider) => reports.find((r) => r.provider === provider)!);
      const all = results.flatMap((r) => r.interactions);
      const failed = all.filter((i) => !i.success).length;
      const outside = results.reduce((sum, r) => sum + r.problems.length, 0);
      return {
        value: results,
        ok: results.every((r) => r.success),
        detail: `${all.length - failed} of ${all.length} interactions verified${failed ? `, ${failed} failed` : ''}${outside ? `, ${outside} ${outside === 1 ? 'failure' : 'failures'} outside any interaction` : ''}`,
      };
    });

    report.canIDeploy = await phase('can-i-deploy', async () => {
      const decisions: DeployDecision[] = [];
      const matrix = new Map<string, MatrixEntry>();
      for (const { name, kind } of report.pacticipants) {
        if (kind === 'consumer' && !mesh.contracts.some((pair) => pair.consumer === name)) continue;
        progress.working('can-i-deploy', name);
        const answer = await client.canIDeploy({
          pacticipant: name,
          version: version.number,
          ...(options.toEnvironment ? { environment: options.toEnvironment } : {}),
        });
        decisions.push({
          pacticipant: name,
          version: version.number,
          deployable: answer.deployable,
          reasons: answer.reasons,
        });
        for (const row of answer.rows)
          matrix.set(
            `${row.consumer}|${row.consumerVersion}|${row.provider}|${row.providerVersion ?? ''}`,
            row,
          );
        progress.step(
          'can-i-deploy',
          `${name}: ${answer.deployable === true ? 'yes' : answer.deployable === false ? 'no' : 'unknown'}`,
        );
      }
      report.matrix = [...matrix.values()];
      const yes = decisions.filter((d) => d.deployable === true).length;
      return {
        value: decisions,
        ok: yes === decisions.length,
        detail: `${yes} of ${decisions.length} may deploy`,
      };
    });
  } catch (error) {
    if (!(error instanceof PhaseFailed)) throw error;
  } finally {
    const problems = await supervisor.stop();
    if (problems.length > 0)
      options.logger.error({ problems: problems.map((p) => p.message) }, 'stopping failed');
    report.durationMs = Date.now() - started;
  }
  const allPhases = [
    'schemas',
    'contracts',
    'contracts-check',
    ...(options.base !== undefined ? ['review'] : []),
    'publish',
    'verify',
    'can-i-deploy',
  ];
  report.verdict = allPhases.every((name) =>
    phases.some((p) => p.name === name && p.status === 'ok'),
  )
    ? 'pass'
    : 'fail';
  return report;
}
