import type { SchemaTypes } from '../schemas/types.generated.js';
import { placeholdersOf } from './placeholders.js';

// What the schema cannot say about a manifest: names that must exist,
// providers meshpact must be able to reach, placeholders it knows how to fill,
// and `{x.url}` dependencies that must not go round in a circle.

type Manifest = SchemaTypes['meshpact/mesh'];
type Entry = NonNullable<Manifest['pacticipants'][string]>;

export interface MeshProblem {
  /** JSON pointer into the manifest, e.g. `/contracts/2/provider`. */
  path: string;
  message: string;
  /** Point at the property's key rather than its value. */
  point?: 'key' | 'value';
}

/** Which placeholders a string may hold, by where it is. */
type Where = 'start' | 'tests' | 'url';

const own: Record<Where, readonly string[]> = {
  start: ['port', 'url', 'root'],
  tests: ['pacts', 'root'],
  url: [],
};

/** Every problem of a manifest that has passed its schema, in no particular order. */
export function checkMesh(manifest: Manifest): MeshProblem[] {
  const problems: MeshProblem[] = [];
  const entries = Object.entries(manifest.pacticipants).filter(
    (pair): pair is [string, Entry] => pair[1] !== undefined,
  );
  const byName = new Map(entries);
  const reachable = (entry: Entry | undefined) => entry?.start !== undefined || !!entry?.url;

  for (const [name, entry] of entries) {
    const at = `/pacticipants/${name}`;
    if (entry.start && entry.url)
      problems.push({ path: `${at}/url`, message: 'give start or url, not both', point: 'key' });
    const server = entry['served-by'];
    if (server !== undefined && !reachable(byName.get(server)))
      problems.push({
        path: `${at}/served-by`,
        message: byName.has(server)
          ? `${server} has neither start nor url, so it cannot serve ${name}`
          : `${server} is not a pacticipant`,
      });
  }

  const seen = new Map<string, number>();
  manifest.contracts.forEach(({ consumer, provider }, index) => {
    const at = `/contracts/${index}`;
    for (const [role, name] of [
      ['consumer', consumer],
      ['provider', provider],
    ] as const) {
      if (!byName.has(name))
        problems.push({ path: `${at}/${role}`, message: `${name} is not a pacticipant` });
    }
    const target = byName.get(provider);
    if (target?.kind === 'consumer')
      problems.push({
        path: `${at}/provider`,
        message: `${provider} has kind consumer; a provider has kind http or message`,
      });
    else if (target && !reachable(target) && !target['served-by'])
      problems.push({
        path: `${at}/provider`,
        message: `${provider} has neither start, url nor served-by, so it cannot be verified`,
      });
    const pair = `${consumer} -> ${provider}`;
    const first = seen.get(pair);
    if (first !== undefined)
      problems.push({ path: at, message: `${pair} is given twice (first at /contracts/${first})` });
    else seen.set(pair, index);
  });

  const dependencies = new Map<string, { on: string; path: string }[]>();
  for (const [name, entry] of entries) {
    for (const { path, text, where } of placeholderFields(name, entry)) {
      let names: string[];
      try {
        names = placeholdersOf(text).map((placeholder) => placeholder.name);
      } catch (error) {
        problems.push({ path, message: (error as Error).message });
        continue;
      }
      for (const placeholder of names) {
        const problem = checkPlaceholder(placeholder, where, byName, reachable);
        if (problem) problems.push({ path, message: problem });
        const on = placeholder.match(/^(.+)\.url$/)?.[1];
        // A started service waits for what its command and env name; startOrder also
        // follows a url that names another service, so a cycle through one is one too.
        const waits = (where === 'start' && entry.start) || (where === 'url' && entry.url);
        if (on !== undefined && waits && byName.has(on)) {
          const list = dependencies.get(name) ?? [];
          list.push({ on, path });
          dependencies.set(name, list);
        }
      }
    }
  }
  problems.push(...cycles(dependencies));
  return problems;
}

function* placeholderFields(name: string, entry: Entry) {
  const at = `/pacticipants/${name}`;
  const env = (path: string, values: Readonly<Record<string, string | undefined>> | undefined) =>
    Object.entries(values ?? {}).map(([key, text]) => ({ path: `${path}/${key}`, text }));
  const fields: { path: string; text: string | undefined; where: Where }[] = [
    { path: `${at}/url`, text: entry.url, where: 'url' },
    { path: `${at}/start/command`, text: entry.start?.command, where: 'start' },
    ...env(`${at}/start/env`, entry.start?.env).map((f) => ({ ...f, where: 'start' as const })),
    ...env(`${at}/states/env`, entry.states?.env).map((f) => ({ ...f, where: 'start' as const })),
    { path: `${at}/tests/command`, text: entry.tests?.command, where: 'tests' },
    ...env(`${at}/tests/env`, entry.tests?.env).map((f) => ({ ...f, where: 'tests' as const })),
  ];
  for (const field of fields) {
    if (field.text !== undefined) yield { ...field, text: field.text };
  }
}

function checkPlaceholder(
  name: string,
  where: Where,
  byName: ReadonlyMap<string, Entry>,
  reachable: (entry: Entry | undefined) => boolean,
): string | undefined {
  if (own[where].includes(name)) return undefined;
  // A consumer's tests start no services, so they share neither their secrets nor their URLs.
  if (where === 'tests')
    return `unknown placeholder {${name}}; here meshpact knows ${own.tests.map((n) => `{${n}}`).join(', ')}`;
  if (/^secret:[A-Za-z0-9._-]+$/.test(name)) return undefined;
  const other = name.match(/^(.+)\.url$/)?.[1];
  if (other !== undefined) {
    if (!byName.has(other)) return `{${name}}: ${other} is not a pacticipant`;
    if (!reachable(byName.get(other))) return `{${name}}: ${other} has neither start nor url`;
    return undefined;
  }
  const known = [...own[where], 'secret:<name>', '<pacticipant>.url'].map((n) => `{${n}}`);
  return `unknown placeholder {${name}}; here meshpact knows ${known.join(', ')}`;
}

/** Each cycle of `{x.url}` dependencies once, at the placeholder that closes it. */
function cycles(dependencies: ReadonlyMap<string, { on: string; path: string }[]>): MeshProblem[] {
  const problems: MeshProblem[] = [];
  const done = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    if (done.has(name)) return;
    for (const { on, path } of dependencies.get(name) ?? []) {
      const back = trail.indexOf(on);
      if (on === name || back >= 0) {
        const loop = [...trail.slice(back >= 0 ? back : trail.length), name, on];
        problems.push({ path, message: `{${on}.url} closes a cycle: ${loop.join(' -> ')}` });
      } else visit(on, [...trail, name]);
    }
    done.add(name);
  };
  for (const name of dependencies.keys()) visit(name, []);
  return problems;
}
