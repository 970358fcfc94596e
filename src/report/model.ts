import type { SchemaReview } from '../review/review.js';
import type { VerificationReport } from '../verify/results.js';

// What one `meshpact run` found: the one object the terminal output, --json,
// junit.xml, summary.md and mesh.html are all made from.

export type PhaseName =
  | 'schemas'
  | 'postgres'
  | 'broker'
  | 'contracts'
  | 'contracts-check'
  | 'review'
  | 'publish'
  | 'verify'
  | 'can-i-deploy';

export interface Phase {
  name: PhaseName;
  status: 'ok' | 'failed' | 'skipped';
  durationMs: number;
  /** One line on what happened, e.g. "4 pacts, 40 interactions". */
  detail: string;
}

export interface ContractSummary {
  consumer: string;
  provider: string;
  interactions: number;
  /** Examples that break their schema, each located ("…response body (auth/user): /email …"). */
  schemaProblems: string[];
}

export interface MatrixEntry {
  consumer: string;
  consumerVersion: string;
  provider: string;
  providerVersion: string | null;
  /** null: no verification result. */
  success: boolean | null;
}

export interface DeployDecision {
  pacticipant: string;
  version: string;
  /** null: unknown (something unverified). */
  deployable: boolean | null;
  reasons: string[];
}

export interface MeshReport {
  /** pass: every pact verified and every pacticipant deployable. */
  verdict: 'pass' | 'fail';
  startedAt: string;
  durationMs: number;
  /** The version and branch everything was published and verified as (git commit and branch). */
  version: { number: string; branch: string };
  broker: { url: string; kind: 'embedded' | 'external' };
  pacticipants: { name: string; kind: 'http' | 'message' | 'consumer' }[];
  phases: Phase[];
  contracts: ContractSummary[];
  verifications: VerificationReport[];
  canIDeploy: DeployDecision[];
  matrix: MatrixEntry[];
  /** The schema review against a git ref, when the run was given one (`--base`). */
  review?: SchemaReview;
}
