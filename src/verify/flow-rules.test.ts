import { checkFlow, describeFlowProblem } from './flow-rules.js';

const run = '7531e35e-2b14-4ee7-be5f-2cd6ab354d30';
const envelope = (seq: number) => ({
  event_id: `8cbd2b99-8e63-4f3a-830d-f4bce56ff0a${seq}`,
  run_id: run,
  thread_id: 'ebecf04e-c473-4723-b4c8-1d4ed1597348',
  agent_name: 'calculator',
  seq,
  timestamp: '2026-11-25T07:09:09.452Z',
});
const started = (seq: number) => ({
  type: 'agent_started',
  task_description: 'What is 6*7?',
  ...envelope(seq),
});
const thinking = (seq: number) => ({
  type: 'agent_thinking',
  step: 1,
  reasoning: 'calculate',
  ...envelope(seq),
});
const executing = (seq: number, id = 'call_1') => ({
  type: 'tool_executing',
  tool_call_id: id,
  tool_name: 'calculator',
  parameters: { expression: '6*7' },
  ...envelope(seq),
});
const toolCompleted = (seq: number, id = 'call_1') => ({
  type: 'tool_completed',
  tool_call_id: id,
  tool_name: 'calculator',
  success: true,
  duration_ms: 1,
  result: { value: 42 },
  ...envelope(seq),
});
const completed = (seq: number) => ({
  type: 'agent_completed',
  status: 'succeeded',
  final_response: '42',
  ...envelope(seq),
});

const messages = (frames: unknown[]) => checkFlow(frames).map(describeFlowProblem);

describe('checkFlow', () => {
  it('accepts a run in the order of the design', () => {
    expect(
      messages([started(1), thinking(2), executing(3), toolCompleted(4), completed(5)]),
    ).toEqual([]);
  });

  describe('when a rule is broken', () => {
    it('reports a dropped event as a seq gap at the frame after it', () => {
      expect(messages([started(1), executing(3), toolCompleted(4), completed(5)])).toEqual([
        'frames[1] (seq 3) /seq: must be 2 (seq has a gap or is out of order)',
        'frames[2] (seq 4) /seq: must be 3 (seq has a gap or is out of order)',
        'frames[3] (seq 5) /seq: must be 4 (seq has a gap or is out of order)',
      ]);
    });

    it('reports a tool_completed before its tool_executing', () => {
      expect(messages([started(1), toolCompleted(2), executing(3), completed(4)])).toEqual([
        'frames[1] (seq 2) /tool_call_id: call_1 completes before its tool_executing',
        'frames[2] (seq 3) /tool_call_id: call_1 never completes',
      ]);
    });

    it('reports a run that does not start with agent_started or end with agent_completed', () => {
      expect(messages([thinking(1), executing(2), toolCompleted(3)])).toEqual([
        'frames[0] (seq 1) /type: the first event must be agent_started',
        'frames[2] (seq 3) /type: the last event must be agent_completed',
      ]);
    });

    it('reports a frame that breaks its schema with the field path', () => {
      const { task_description, ...broken } = started(1);
      expect(task_description).toBeDefined();
      expect(messages([broken, completed(2)])).toEqual([
        'frames[0] (seq 1) /task_description: is required',
      ]);
    });

    it('reports an empty run', () => {
      expect(messages([])).toEqual(['frames[0] /: the run produced no events']);
    });
  });
});
