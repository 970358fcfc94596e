import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { FlowRules } from '../contracts/mesh-model.js';
import { flowRulesOf } from '../contracts/mesh.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { schemaRegistry } from '../schemas/registry.js';

// The order rules a WebSocket provider declares for its streams of frames
// (FlowRules), checked on the frames one conversation received. They know no
// provider's protocol: the field names and kinds all come from the rules.
//
// A frame belongs to a flow when it carries the `groupBy` field and, when the
// rules declare a `sequence`, that field too: control frames that merely name
// a flow (an acknowledgement carrying its id) are not part of it.

/** One broken rule, located by the frame's index in the conversation and its sequence value. */
export interface FlowProblem {
  index: number;
  seq: number | undefined;
  path: string;
  message: string;
}

export interface FlowCheckOptions {
  /**
   * The contract says its flows may be cut short (a replay after a seq, a
   * socket closed mid-flow): `first` and `last` need not be there, the
   * sequence may start anywhere, and a pair may be missing its other half.
   * What is there must still be in order.
   */
  partial?: boolean;
}

type Frame = Record<string, unknown>;
interface Member {
  frame: Frame;
  index: number;
}

export function checkFlow(
  rules: FlowRules,
  frames: readonly unknown[],
  options: FlowCheckOptions = {},
): FlowProblem[] {
  const groups = new Map<unknown, Member[]>();
  frames.forEach((frame, index) => {
    if (!isFrame(frame) || !(rules.groupBy in frame)) return;
    if (rules.sequence !== undefined && !(rules.sequence in frame)) return;
    const key = frame[rules.groupBy];
    groups.set(key, [...(groups.get(key) ?? []), { frame, index }]);
  });
  const problems: FlowProblem[] = [];
  for (const members of groups.values()) problems.push(...checkGroup(rules, members, options));
  return problems.sort((a, b) => a.index - b.index);
}

function checkGroup(rules: FlowRules, members: Member[], options: FlowCheckOptions) {
  const problems: FlowProblem[] = [];
  const kind = (m: Member) => m.frame[rules.discriminator];
  const seqOf = (m: Member) => {
    const value = rules.sequence === undefined ? undefined : m.frame[rules.sequence];
    return typeof value === 'number' ? value : undefined;
  };
  const report = (m: Member, field: string, message: string) =>
    problems.push({ index: m.index, seq: seqOf(m), path: `/${field}`, message });
  const at = (position: number) => members[position]!;
  const lastPosition = members.length - 1;

  const ends = [
    { name: rules.first, position: 0, word: 'first' },
    { name: rules.last, position: lastPosition, word: 'last' },
  ];
  for (const { name, position, word } of ends) {
    if (name === undefined) continue;
    const found = members.filter((m) => kind(m) === name);
    if (found.length === 0 && !options.partial)
      report(at(position), rules.discriminator, `the ${word} frame of a flow must be ${name}`);
    for (const m of found.slice(1))
      report(m, rules.discriminator, `${name} appears more than once`);
    const misplaced = found.find((m) => m !== at(position));
    if (misplaced)
      report(misplaced, rules.discriminator, `${name} must be the ${word} of its flow`);
  }

  if (rules.sequence !== undefined) {
    const start = options.partial ? (seqOf(at(0)) ?? 1) : 1;
    members.forEach((m, position) => {
      if (seqOf(m) !== start + position)
        report(
          m,
          rules.sequence!,
          `must be ${start + position} (${rules.sequence} has a gap or is out of order)`,
        );
    });
  }

  for (const pair of rules.pairs) {
    const opened = new Map<unknown, Member>();
    const closed = new Set<unknown>();
    // In a partial flow a close may answer an open from before the cut, but not one that comes later.
    const unopened = new Map<unknown, Member>();
    for (const m of members) {
      const key = m.frame[pair.key];
      const label = String(key);
      if (kind(m) === pair.open) {
        if (opened.has(key)) report(m, pair.key, `${label} has more than one ${pair.open}`);
        opened.set(key, m);
        const early = unopened.get(key);
        if (early) report(early, pair.key, `${label}: ${pair.close} comes before its ${pair.open}`);
      } else if (kind(m) === pair.close) {
        if (closed.has(key)) report(m, pair.key, `${label} has more than one ${pair.close}`);
        else if (!opened.has(key) && !options.partial)
          report(m, pair.key, `${label}: ${pair.close} comes before its ${pair.open}`);
        else if (!opened.has(key)) unopened.set(key, m);
        closed.add(key);
      }
    }
    if (options.partial) continue;
    for (const [key, m] of opened)
      if (!closed.has(key))
        report(m, pair.key, `${String(key)}: ${pair.open} has no ${pair.close}`);
  }
  return problems;
}

function isFrame(frame: unknown): frame is Frame {
  return typeof frame === 'object' && frame !== null && !Array.isArray(frame);
}

/** `frames[3] (seq 4) /seq: must be 3 (seq has a gap or is out of order)` */
export function describeFlowProblem(problem: FlowProblem): string {
  const seq = problem.seq === undefined ? '' : ` (seq ${problem.seq})`;
  return `frames[${problem.index}]${seq} ${problem.path}: ${problem.message}`;
}

/**
 * Flow rules from their YAML form, checked by the same schema as a manifest's
 * `ws.flow` (schemas/meshpact/flow.json); `where` names them in errors.
 */
export function flowRulesFrom(raw: unknown, where: string): FlowRules {
  const validator = schemaRegistry().validator('meshpact/flow');
  if (!validator.is(raw))
    throw new MeshpactError(
      'config_invalid',
      validator
        .issues(raw)
        .map((issue) => `${where}${issue.path === '/' ? '' : issue.path}: ${issue.message}`)
        .join('\n'),
    );
  return flowRulesOf(raw);
}

/** The flow rules an AsyncAPI document declares in its top-level `x-meshpact-flow`, if any. */
export function asyncApiFlowRules(file: string): FlowRules | undefined {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'), { prettyErrors: false });
  } catch (error) {
    throw new MeshpactError('config_invalid', `${file}: ${(error as Error).message}`);
  }
  const raw = isFrame(document) ? document['x-meshpact-flow'] : undefined;
  return raw === undefined ? undefined : flowRulesFrom(raw, `${file}: x-meshpact-flow`);
}
