import { loadMesh } from '../../src/contracts/mesh.js';
import type { VerificationReport } from '../../src/verify/results.js';
import { startProvider, type ProviderUnderVerification } from '../../src/verify/services.js';
import { verifyMessageProvider } from '../../src/verify/ws.js';
import { startBreakingProxy, type Breaks } from '../support/breaking-proxy.js';
import { pactFilesOf } from './pacts.js';

// Each test breaks the real /ws gateway on purpose (a test-only proxy that
// rewrites the frames it sends) and shows that verification fails, naming the
// frame, its seq and the field.

const mesh = loadMesh();
type Frame = Record<string, unknown>;

describe('verification of a broken backend-events', () => {
  let events: ProviderUnderVerification;
  beforeAll(async () => {
    events = await startProvider(mesh, 'backend-events');
  });
  afterAll(() => events.close());

  async function verifyBroken(frames: Breaks['frames']): Promise<VerificationReport> {
    const proxy = await startBreakingProxy(events, { frames });
    try {
      return await verifyMessageProvider({
        provider: 'backend-events',
        wsUrl: proxy.wsUrl,
        source: { files: pactFilesOf(mesh, 'backend-events') },
        consumers: ['web-app'],
        statesUrl: events.statesUrl,
      });
    } finally {
      await proxy.close();
    }
  }

  const outcome = (report: VerificationReport, description: string) => {
    const found = report.interactions.find((i) => i.description === description);
    if (!found) throw new Error(`no interaction "${description}" in the report`);
    return { success: found.success, mismatches: found.mismatches.join('\n') };
  };

  it('fails when agent_thinking is dropped', async () => {
    const report = await verifyBroken(
      () => (frame) => (frame.type === 'agent_thinking' ? [] : [frame]),
    );

    expect(report.success).toBe(false);
    const thinking = outcome(report, 'an agent_thinking event');
    expect(thinking.success).toBe(false);
    expect(thinking.mismatches).toMatch(
      /the run sent no agent_thinking frame; it sent agent_started, tool_executing, tool_completed, agent_completed/,
    );
    const flow = outcome(report, 'the frames of a run with one tool call');
    expect(flow.success).toBe(false);
    expect(flow.mismatches).toMatch(/frames\[1\] \(seq 3\) \/seq: must be 2/);
    expect(outcome(report, 'a pong answer to ping').success).toBe(true);
  }, 120_000);

  it('fails when tool_completed comes before its tool_executing', async () => {
    const report = await verifyBroken(() => {
      const held = new Map<unknown, Frame>();
      return (frame) => {
        if (frame.type === 'tool_executing') {
          held.set(frame.tool_call_id, frame);
          return [];
        }
        const executing = held.get(frame.tool_call_id);
        if (frame.type === 'tool_completed' && executing) return [frame, executing];
        return [frame];
      };
    });

    expect(report.success).toBe(false);
    const flow = outcome(report, 'the frames of a run with one tool call');
    expect(flow.success).toBe(false);
    expect(flow.mismatches).toMatch(
      /frames\[2\] \(seq 4\) \/tool_call_id: call_1 completes before its tool_executing/,
    );
    // A single tool_completed frame still looks right on its own; the run's order does not.
    const single = outcome(report, 'a tool_completed event');
    expect(single.success).toBe(false);
    expect(single.mismatches).toMatch(/completes before its tool_executing/);
  }, 120_000);

  it('fails when seq has a gap, naming the frame', async () => {
    const report = await verifyBroken(
      () => (frame) =>
        typeof frame.seq === 'number' && frame.seq >= 3
          ? [{ ...frame, seq: frame.seq + 1 }]
          : [frame],
    );

    expect(report.success).toBe(false);
    const flow = outcome(report, 'the frames of a run with two tool calls');
    expect(flow.success).toBe(false);
    expect(flow.mismatches).toMatch(
      /frames\[2\] \(seq 4\) \/seq: must be 3 \(seq has a gap or is out of order\)/,
    );
    expect(outcome(report, 'an agent_started event').success).toBe(false);
    expect(outcome(report, 'a connection_established greeting').success).toBe(true);
  }, 120_000);
});
