import { schemaRegistry } from '../schemas/registry.js';

/** One broken rule of a run's event flow, located by frame index and seq. */
export interface FlowProblem {
  index: number;
  seq: number | undefined;
  path: string;
  message: string;
}

interface EventLike {
  type?: unknown;
  seq?: unknown;
  run_id?: unknown;
  tool_call_id?: unknown;
}

/**
 * The order rules of backend-events (DESIGN.md section 3), checked on the
 * agent events of one run as they were received: exactly one agent_started,
 * first; exactly one agent_completed, last; seq 1, 2, 3… with no gap; each
 * tool_completed after the tool_executing with its tool_call_id, once. Every
 * frame must also match events/server-frame.
 */
export function checkFlow(frames: readonly unknown[]): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const validator = schemaRegistry().validator('events/server-frame');
  const events = frames.map((frame, index) => ({ frame: frame as EventLike, index }));
  const seqOf = (e: EventLike) => (typeof e.seq === 'number' ? e.seq : undefined);
  const report = (index: number, frame: EventLike, path: string, message: string) =>
    problems.push({ index, seq: seqOf(frame), path, message });

  for (const { frame, index } of events) {
    for (const issue of validator.issues(frame)) report(index, frame, issue.path, issue.message);
  }
  if (events.length === 0) {
    problems.push({ index: 0, seq: undefined, path: '/', message: 'the run produced no events' });
    return problems;
  }
  const started = events.filter((e) => e.frame.type === 'agent_started');
  const completed = events.filter((e) => e.frame.type === 'agent_completed');
  const first = events[0]!;
  const last = events[events.length - 1]!;
  if (first.frame.type !== 'agent_started')
    report(0, first.frame, '/type', 'the first event must be agent_started');
  if (started.length > 1)
    report(started[1]!.index, started[1]!.frame, '/type', 'agent_started appears more than once');
  if (last.frame.type !== 'agent_completed') {
    report(last.index, last.frame, '/type', 'the last event must be agent_completed');
  }
  if (completed.length > 1)
    report(
      completed[0]!.index,
      completed[0]!.frame,
      '/type',
      'agent_completed appears more than once',
    );

  events.forEach(({ frame, index }, position) => {
    if (seqOf(frame) !== position + 1)
      report(index, frame, '/seq', `must be ${position + 1} (seq has a gap or is out of order)`);
  });

  const open = new Map<unknown, number>();
  const closed = new Set<unknown>();
  for (const { frame, index } of events) {
    if (frame.type === 'tool_executing') open.set(frame.tool_call_id, index);
    if (frame.type !== 'tool_completed') continue;
    if (closed.has(frame.tool_call_id)) {
      report(index, frame, '/tool_call_id', `${String(frame.tool_call_id)} completes twice`);
    } else if (!open.has(frame.tool_call_id)) {
      report(
        index,
        frame,
        '/tool_call_id',
        `${String(frame.tool_call_id)} completes before its tool_executing`,
      );
    }
    open.delete(frame.tool_call_id);
    closed.add(frame.tool_call_id);
  }
  for (const [id, index] of open) {
    report(index, events[index]!.frame, '/tool_call_id', `${String(id)} never completes`);
  }
  return problems;
}

/** `frames[3] (seq 4) /seq: must be 3 (seq has a gap or is out of order)` */
export function describeFlowProblem(problem: FlowProblem): string {
  const seq = problem.seq === undefined ? '' : ` (seq ${problem.seq})`;
  return `frames[${problem.index}]${seq} ${problem.path}: ${problem.message}`;
}
