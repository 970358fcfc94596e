import { startMeshForTest, type MeshUnderTest } from '../providers/backend/testing.js';
import { createThread, signUp } from '../providers/backend/test-support.js';
import { checkFlow } from '../src/verify/flow-rules.js';
import { driveRun, GatewaySocket } from '../src/verify/socket-driver.js';

describe('driveRun', () => {
  let mesh: MeshUnderTest;
  beforeAll(async () => {
    mesh = await startMeshForTest();
  });
  afterAll(() => mesh.close());

  it('starts a run on the real gateway and collects its events, which keep every order rule', async () => {
    const alice = await signUp(mesh, 'alice@example.com');
    const threadId = await createThread(alice);
    const socket = await GatewaySocket.open(mesh.backend.wsUrl, alice.token);
    try {
      const { accepted, events } = await driveRun(socket, {
        threadId,
        agentName: 'calculator',
        input: 'What is 6*7 and 2+2? [calc 6*7] [calc 2+2]',
      });
      expect(accepted).toMatchObject({ type: 'run_accepted', thread_id: threadId });
      expect(events.map((e) => e.type)).toEqual([
        'agent_started',
        'agent_thinking',
        'tool_executing',
        'tool_completed',
        'tool_executing',
        'tool_completed',
        'agent_completed',
      ]);
      expect(checkFlow(events)).toEqual([]);
    } finally {
      await socket.close();
    }
  });

  it('says why when the gateway refuses the run', async () => {
    const bob = await signUp(mesh, 'bob@example.com');
    const socket = await GatewaySocket.open(mesh.backend.wsUrl, bob.token);
    try {
      const attempt = driveRun(socket, {
        threadId: '00000000-0000-4000-8000-000000000000',
        agentName: 'calculator',
        input: 'x',
      });
      await expect(attempt).rejects.toThrow(/start_run was refused: .*thread_not_found/);
    } finally {
      await socket.close();
    }
  });
});
