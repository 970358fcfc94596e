import { join } from 'node:path';
import { loadMesh } from '../../src/contracts/mesh.js';
import { packageRoot } from '../../src/runtime/paths.js';
import { asyncApiFlowRules } from '../../src/verify/flow-rules.js';
import type { VerificationReport } from '../../src/verify/results.js';
import { startProvider, type ProviderUnderVerification } from '../../src/verify/services.js';
import { verifyMessageProvider } from '../../src/verify/ws.js';
import { startBreakingProxy, type Breaks } from '../support/breaking-proxy.js';
import { pactFilesOf } from './pacts.js';

// Each test breaks the real /ws gateway on purpose (a test-only proxy that
// rewrites the frames it sends) and shows that verification fails, naming the
// conversation, the frame by its index, its seq and the field.

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
        statesUrl: events.statesUrl,
        frameSchema: join(packageRoot(), 'schemas/events/server-frame.json'),
        flow: asyncApiFlowRules(join(packageRoot(), 'schemas/asyncapi/events.yaml'))!,
        source: { files: pactFilesOf(mesh, 'backend-events') },
        consumers: ['web-app'],
        // A dropped frame is waited for this long; the real ones come within milliseconds.
        frameTimeoutMs: 1_500,
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

  it('fails when another frame comes before connection_established', async () => {
    const report = await verifyBroken(
      () => (frame) =>
        frame.type === 'connection_established'
          ? [{ type: 'pong', id: 'early', server_time: frame.server_time }, frame]
          : [frame],
    );

    expect(report.success).toBe(false);
    const handshake = outcome(report, 'the handshake: connection_established');
    expect(handshake.success).toBe(false);
    expect(handshake.mismatches).toMatch(
      /^frames\[0\] is the first frame that differs; received \{"type":"pong","id":"early"/,
    );
    expect(outcome(report, 'a ping answered by its pong').success).toBe(false);
  }, 120_000);

  it('fails when agent_thinking is dropped', async () => {
    const report = await verifyBroken(
      () => (frame) => (frame.type === 'agent_thinking' ? [] : [frame]),
    );

    expect(report.success).toBe(false);
    const run = outcome(report, 'a run with one tool call');
    expect(run.success).toBe(false);
    expect(run.mismatches).toMatch(
      /frames\[6\] never came: received 6 of 7 frames before no frame came within 1500 ms; the last one seen: frames\[5\] \{"type":"agent_completed"/,
    );
    expect(run.mismatches).toMatch(/frames\[3\] \(seq 3\) \/seq: must be 2/);
    expect(outcome(report, 'a ping answered by its pong').success).toBe(true);
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
    const run = outcome(report, 'a run with one tool call');
    expect(run.success).toBe(false);
    expect(run.mismatches).toMatch(
      /frames\[4\] \(seq 4\) \/tool_call_id: call_1: tool_completed comes before its tool_executing/,
    );
  }, 120_000);

  it('fails when seq has a gap, naming the frame', async () => {
    const report = await verifyBroken(
      () => (frame) =>
        typeof frame.seq === 'number' && frame.seq >= 3
          ? [{ ...frame, seq: frame.seq + 1 }]
          : [frame],
    );

    expect(report.success).toBe(false);
    const run = outcome(report, 'a run with two tool calls');
    expect(run.success).toBe(false);
    expect(run.mismatches).toMatch(
      /frames\[4\] \(seq 4\) \/seq: must be 3 \(seq has a gap or is out of order\)/,
    );
    expect(outcome(report, 'the handshake: connection_established').success).toBe(true);
  }, 120_000);
});
