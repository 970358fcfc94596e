import { brokerFixture, brokerRouteList, placeholderBrokerState } from './broker-fixture.js';
import {
  allHttpCases,
  frameCases,
  hasInputs,
  siblings,
  socketCases,
  type FrameCase,
  type HttpCase,
} from './corpus.js';
import { DEFAULT_FUZZ_RUNS as fuzzRuns } from './fuzz.js';
import { meshFixture, meshFrameFixture, placeholderMeshState } from './mesh-fixture.js';
import { frameRoutes, openApiRoutes } from './routes.js';

// The case counts of docs/security.md, from the corpus definitions with
// made-up fixtures (the counts do not depend on the ids). Print with
// `npx tsx test/security/summary.ts`; coverage.test.ts keeps the doc current.

const kinds: [string, (c: HttpCase | FrameCase) => boolean][] = [
  ["another tenant's ids", (c) => c.expect === 'same-as-missing'],
  ['path, query, header', (c) => /^(path|query|header) /.test(c.name)],
  ['body or frame members', (c) => /^(body )?\/[^:]*: /.test(c.name)],
  [
    'whole bodies and frames',
    (c) => /^(body|frame): /.test(c.name) || c.route === 'ws (any frame)',
  ],
  ['credentials', (c) => c.name.startsWith('credentials: ')],
  ['wrong method', (c) => c.name.startsWith('method ')],
];
const kindOf = (c: HttpCase | FrameCase) =>
  kinds.find(([, test]) => test(c))?.[0] ?? 'pact contents';
const columns = [...kinds.map(([name]) => name), 'pact contents'];

interface Row {
  name: string;
  routes: number;
  generated: number;
  cases: (HttpCase | FrameCase)[];
}

function rows(): Row[] {
  const mesh = meshFixture(placeholderMeshState());
  const frames = meshFrameFixture(placeholderMeshState());
  const broker = brokerFixture(placeholderBrokerState());
  const service = (name: string, which: 'auth' | 'backend'): Row => {
    const routes = openApiRoutes(which);
    return {
      name,
      routes: routes.length,
      generated: routes.filter(hasInputs).length * fuzzRuns,
      cases: routes.flatMap((r) => allHttpCases(r, mesh)),
    };
  };
  const brokerRoutes = brokerRouteList();
  const shared = siblings(brokerRoutes);
  return [
    service('auth-service', 'auth'),
    service('backend-api', 'backend'),
    {
      name: '/ws client frames',
      routes: frameRoutes().length,
      generated: frameRoutes().length * fuzzRuns,
      cases: [...socketCases(), ...frameRoutes().flatMap((f) => frameCases(f, frames))],
    },
    {
      name: 'broker',
      routes: brokerRoutes.length,
      generated: brokerRoutes.filter(hasInputs).length * fuzzRuns,
      cases: brokerRoutes.flatMap((r) => allHttpCases(r, broker, { sibling: shared.has(r) })),
    },
  ];
}

/** The Markdown table of docs/security.md. */
export function coverageTable(): string {
  const all = rows();
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const count = (cases: (HttpCase | FrameCase)[], kind: string) =>
    cases.filter((c) => kindOf(c) === kind).length;
  const refused = (cases: (HttpCase | FrameCase)[]) =>
    cases.filter((c) => c.expect !== 'tolerated').length;
  const total: Row = {
    name: '**total**',
    routes: all.reduce((n, r) => n + r.routes, 0),
    generated: all.reduce((n, r) => n + r.generated, 0),
    cases: all.flatMap((r) => r.cases),
  };
  return [
    line([
      '',
      'routes',
      ...columns,
      'cases',
      'must be refused',
      `generated (${fuzzRuns} a route in npm test)`,
    ]),
    line(['---', ...Array<string>(columns.length + 4).fill('---:')]),
    ...[...all, total].map((r) =>
      line([
        r.name,
        r.routes,
        ...columns.map((k) => count(r.cases, k)),
        r.cases.length,
        refused(r.cases),
        r.generated,
      ]),
    ),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('summary.ts')) process.stdout.write(coverageTable());
