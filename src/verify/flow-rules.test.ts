import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlowRules } from '../contracts/mesh-model.js';
import { packageRoot } from '../runtime/paths.js';
import {
  asyncApiFlowRules,
  checkFlow,
  describeFlowProblem,
  flowRulesFrom,
  type FlowCheckOptions,
} from './flow-rules.js';

// A toy protocol on purpose: the checker knows only what the rules name.
const rules: FlowRules = {
  discriminator: 'kind',
  groupBy: 'job',
  first: 'begin',
  last: 'end',
  sequence: 'n',
  pairs: [{ open: 'call', close: 'result', key: 'call' }],
};
const frame = (kind: string, n: number, extra: Record<string, unknown> = {}) => ({
  kind,
  job: 'j1',
  n,
  ...extra,
});
const messages = (frames: unknown[], options?: FlowCheckOptions) =>
  checkFlow(rules, frames, options).map(describeFlowProblem);

describe('checkFlow', () => {
  it('accepts a flow in order, skipping frames outside any flow', () => {
    expect(
      messages([
        { kind: 'hello' },
        { kind: 'accepted', job: 'j1' },
        frame('begin', 1),
        frame('call', 2, { call: 'c1' }),
        frame('result', 3, { call: 'c1' }),
        frame('end', 4),
      ]),
    ).toEqual([]);
  });

  it('checks each group on its own, by the groupBy field', () => {
    expect(
      messages([
        frame('begin', 1),
        { ...frame('begin', 1), job: 'j2' },
        frame('end', 2),
        { ...frame('end', 2), job: 'j2' },
      ]),
    ).toEqual([]);
  });

  describe('when a rule is broken', () => {
    it('reports a dropped frame as a sequence gap at the frames after it', () => {
      expect(
        messages([{ kind: 'hello' }, frame('begin', 1), frame('x', 3), frame('end', 4)]),
      ).toEqual([
        'frames[2] (seq 3) /n: must be 2 (n has a gap or is out of order)',
        'frames[3] (seq 4) /n: must be 3 (n has a gap or is out of order)',
      ]);
    });

    it('reports a close before its open, and an open never closed', () => {
      expect(
        messages([
          frame('begin', 1),
          frame('result', 2, { call: 'c1' }),
          frame('call', 3, { call: 'c1' }),
          frame('call', 4, { call: 'c2' }),
          frame('end', 5),
        ]),
      ).toEqual([
        'frames[1] (seq 2) /call: c1: result comes before its call',
        'frames[3] (seq 4) /call: c2: call has no result',
      ]);
    });

    it('reports a flow without its first and last kinds, and one out of place', () => {
      expect(messages([frame('x', 1), frame('begin', 2), frame('x', 3)])).toEqual([
        'frames[1] (seq 2) /kind: begin must be the first of its flow',
        'frames[2] (seq 3) /kind: the last frame of a flow must be end',
      ]);
    });

    it('reports a kind that must come once and comes twice', () => {
      expect(messages([frame('begin', 1), frame('end', 2), frame('end', 3)])).toEqual([
        'frames[1] (seq 2) /kind: end must be the last of its flow',
        'frames[2] (seq 3) /kind: end appears more than once',
      ]);
    });
  });

  describe('when the contract says the flow is partial', () => {
    it('accepts a flow replayed from the middle, with a close whose open came before', () => {
      expect(
        messages([frame('result', 3, { call: 'c1' }), frame('end', 4)], { partial: true }),
      ).toEqual([]);
    });

    it('still reports a close that comes before an open of the same key later in the flow', () => {
      expect(
        messages(
          [frame('result', 3, { call: 'c1' }), frame('call', 4, { call: 'c1' }), frame('end', 5)],
          { partial: true },
        ),
      ).toEqual(['frames[0] (seq 3) /call: c1: result comes before its call']);
    });

    it('still reports a gap and a kind out of place', () => {
      expect(messages([frame('x', 3), frame('end', 5), frame('x', 6)], { partial: true })).toEqual([
        'frames[1] (seq 5) /kind: end must be the last of its flow',
        'frames[1] (seq 5) /n: must be 4 (n has a gap or is out of order)',
        'frames[2] (seq 6) /n: must be 5 (n has a gap or is out of order)',
      ]);
    });
  });
});

describe('flowRulesFrom', () => {
  it('reads the YAML form, group-by in kebab case', () => {
    expect(
      flowRulesFrom(
        {
          discriminator: 'kind',
          'group-by': 'job',
          first: 'begin',
          last: 'end',
          sequence: 'n',
          pairs: [{ open: 'call', close: 'result', key: 'call' }],
        },
        'mesh.yaml: ws.flow',
      ),
    ).toEqual(rules);
  });

  it('names each field that is wrong, a misspelt one too, by the schema a manifest uses', () => {
    expect(() =>
      flowRulesFrom({ discriminator: 'kind', groupby: 'job' }, 'events.yaml: x-meshpact-flow'),
    ).toThrow(
      [
        'events.yaml: x-meshpact-flow/group-by: is required',
        'events.yaml: x-meshpact-flow/groupby: is not allowed',
      ].join('\n'),
    );
    expect(() =>
      flowRulesFrom({ discriminator: 'k', 'group-by': 'g', pairs: [{ open: 'a' }] }, 'here'),
    ).toThrow('here/pairs/0/close: is required\nhere/pairs/0/key: is required');
  });
});

describe('asyncApiFlowRules', () => {
  it("reads backend-events' x-meshpact-flow", () => {
    expect(asyncApiFlowRules(join(packageRoot(), 'schemas/asyncapi/events.yaml'))).toEqual({
      discriminator: 'type',
      groupBy: 'run_id',
      first: 'agent_started',
      last: 'agent_completed',
      sequence: 'seq',
      pairs: [{ open: 'tool_executing', close: 'tool_completed', key: 'tool_call_id' }],
    });
  });

  it('is undefined for a document that declares none', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flow-')), 'api.yaml');
    writeFileSync(file, 'asyncapi: 3.0.0\n');
    expect(asyncApiFlowRules(file)).toBeUndefined();
  });
});
