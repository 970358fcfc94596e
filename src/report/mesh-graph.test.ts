import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { meshGraph, NODE } from './mesh-graph.js';
import type { MeshReport } from './model.js';

const fixture = (): MeshReport =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '__fixtures__/mesh-report.json'), 'utf8'),
  ) as MeshReport;

const pair = (e: { consumer: string; provider: string }) => `${e.consumer}->${e.provider}`;

describe('meshGraph', () => {
  describe('when given the sample run', () => {
    const graph = meshGraph(fixture());

    it('makes one edge per pact, in the state its interactions put it in', () => {
      expect(graph.edges.map((e) => [pair(e), e.state, `${e.passed}/${e.total}`])).toEqual([
        ['web-app->auth-service', 'failed', '1/2'],
        ['web-app->backend-api', 'unverified', '0/13'],
        // One of the two interactions is in a pending pact and passed: that is a pass.
        ['web-app->backend-events', 'passed', '2/2'],
        ['backend-api->auth-service', 'passed', '1/1'],
      ]);
    });

    it('puts consumers left of their providers, a provider of providers furthest right', () => {
      const column = Object.fromEntries(graph.nodes.map((n) => [n.name, n.column]));
      expect(column).toEqual({
        'web-app': 0,
        'backend-api': 1,
        'backend-events': 1,
        'auth-service': 2,
      });
      const x = Object.fromEntries(graph.nodes.map((n) => [n.name, n.x]));
      for (const edge of graph.edges) expect(x[edge.consumer]).toBeLessThan(x[edge.provider]!);
    });

    it('routes an edge that skips a column through a free slot, not through a node', () => {
      const long = graph.edges.find((e) => pair(e) === 'web-app->auth-service')!;
      expect(long.via).toHaveLength(1);
      const [via] = long.via;
      for (const node of graph.nodes.filter((n) => n.column === 1)) {
        const inside = via!.y > node.y - 10 && via!.y < node.y + NODE.height + 10;
        expect(inside).toBe(false);
      }
    });

    it('fits every node inside the drawing', () => {
      for (const node of graph.nodes) {
        expect(node.x).toBeGreaterThanOrEqual(0);
        expect(node.y).toBeGreaterThanOrEqual(0);
        expect(node.x + NODE.width).toBeLessThanOrEqual(graph.width);
        expect(node.y + NODE.height).toBeLessThanOrEqual(graph.height);
      }
    });
  });

  describe('when the report lists things in another order', () => {
    it('draws the same picture', () => {
      const report = fixture();
      const shuffled = {
        ...report,
        pacticipants: [...report.pacticipants].reverse(),
        contracts: [...report.contracts].reverse(),
      };
      const place = (r: MeshReport) => meshGraph(r).nodes.map((n) => [n.name, n.x, n.y]);
      expect(place(shuffled)).toEqual(place(report));
    });
  });

  describe('when only a pending pact fails', () => {
    it('marks that edge pending, not failed', () => {
      const report = fixture();
      const events = report.verifications.find((v) => v.provider === 'backend-events')!;
      events.interactions[1] = { ...events.interactions[1]!, success: false, mismatches: ['x'] };
      const edge = meshGraph(report).edges.find((e) => e.provider === 'backend-events')!;
      expect([edge.state, edge.passed, edge.total]).toEqual(['pending', 1, 2]);
      expect(edge.interactions.map((i) => i.status)).toEqual(['passed', 'pending']);
    });
  });

  describe('when a verified pair is missing from the contracts, and pacts form a cycle', () => {
    it('still draws every pair and finishes', () => {
      const report = fixture();
      report.verifications.push({
        provider: 'web-app',
        success: true,
        problems: ['provider state "x" failed'],
        output: '',
        interactions: [
          { consumer: 'auth-service', description: 'd', success: true, mismatches: [] },
        ],
      });
      const graph = meshGraph(report);
      const back = graph.edges.find((e) => pair(e) === 'auth-service->web-app')!;
      // Its interaction passed; the state that failed outside it fails the pair.
      expect([back.state, back.inPact, back.problems]).toEqual([
        'failed',
        0,
        ['provider state "x" failed'],
      ]);
      expect(new Set(graph.nodes.map((n) => n.name)).size).toBe(4);
    });
  });
});
