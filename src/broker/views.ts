import type { Queryable } from '../runtime/db.js';
import { brokerDate, type Hrefs } from './hal.js';
import type { PacticipantRow } from './store/pacticipants.js';
import type { PactRow } from './store/pacts.js';
import { branchesOf, latestVersion, tagsOf, type VersionRow } from './store/versions.js';

// The broker's resources as the Pact clients read them (field names and link
// relations from the Pact Broker's decorators).

const dates = (created: Date, updated?: Date) => ({
  createdAt: brokerDate(created),
  ...(updated && updated.getTime() !== created.getTime() ? { updatedAt: brokerDate(updated) } : {}),
});

export async function pacticipantView(db: Queryable, hrefs: Hrefs, row: PacticipantRow) {
  return pacticipantDocument(hrefs, row, await latestVersion(db, row.id));
}

/** A pacticipant with its latest version already read, so a list reads them all in one query. */
export function pacticipantDocument(
  hrefs: Hrefs,
  row: PacticipantRow,
  latest: Pick<VersionRow, 'number'> | undefined,
) {
  const self = hrefs.path('pacticipants', row.name);
  const latestView = latest && {
    number: latest.number,
    _links: {
      self: {
        title: 'Version',
        name: latest.number,
        href: hrefs.path('pacticipants', row.name, 'versions', latest.number),
      },
    },
  };
  return {
    name: row.name,
    displayName: row.display_name,
    repositoryUrl: row.repository_url,
    repositoryName: row.repository_name,
    repositoryNamespace: row.repository_namespace,
    mainBranch: row.main_branch,
    ...dates(row.created_at, row.updated_at),
    _embedded: {
      ...(latestView
        ? {
            latestVersion: latestView,
            // Deprecated by the Pact Broker, still read by its Ruby client.
            'latest-version': {
              ...latestView,
              title: 'DEPRECATED - please use latestVersion',
              name: 'DEPRECATED - please use latestVersion',
            },
          }
        : {}),
      labels: [],
    },
    _links: {
      self: { href: self },
      'pb:versions': { href: `${self}/versions` },
      'pb:branches': { href: `${self}/branches` },
      'pb:version': hrefs.link(['pacticipants', row.name, 'versions', '{version}'], {
        title: 'Get, create or delete a pacticipant version',
      }),
      'pb:version-tag': hrefs.link(
        ['pacticipants', row.name, 'versions', '{version}', 'tags', '{tag}'],
        { title: 'Get, create or delete a tag for a version' },
      ),
      'pb:branch-version': hrefs.link(
        ['pacticipants', row.name, 'branches', '{branch}', 'versions', '{version}'],
        { title: 'Get or add/create a pacticipant version for a branch' },
      ),
      'pb:latest-version': { href: `${self}/latest-version` },
      versions: { href: `${self}/versions` },
    },
  };
}

export async function versionView(
  db: Queryable,
  hrefs: Hrefs,
  pacticipant: string,
  row: VersionRow,
  environments: { name: string; uuid: string; displayName: string | null }[] = [],
) {
  const self = hrefs.path('pacticipants', pacticipant, 'versions', row.number);
  const [branches, tags] = await Promise.all([branchesOf(db, row.id), tagsOf(db, row.id)]);
  const branchVersions = branches.map((branch) => ({
    name: branch.name,
    latest: branch.latest,
    _links: {
      self: {
        href: hrefs.path(
          'pacticipants',
          pacticipant,
          'branches',
          branch.name,
          'versions',
          row.number,
        ),
      },
    },
  }));
  const environmentLinks = (kind: 'deployed' | 'released') =>
    environments.map((environment) => ({
      title: `Record ${kind === 'deployed' ? 'deployment' : 'release'} to ${environment.displayName ?? environment.name}`,
      name: environment.name,
      href: `${self}/${kind}-versions/environment/${encodeURIComponent(environment.uuid)}`,
    }));
  return {
    number: row.number,
    buildUrl: row.build_url,
    ...dates(row.created_at, row.updated_at),
    _embedded: {
      branchVersions,
      branches: branchVersions,
      tags: tags.map((tag) => ({
        name: tag.name,
        latest: tag.latest,
        _links: { self: { href: `${self}/tags/${encodeURIComponent(tag.name)}` } },
      })),
    },
    _links: {
      self: { title: 'Version', name: row.number, href: self },
      'pb:pacticipant': {
        title: 'Pacticipant',
        name: pacticipant,
        href: hrefs.path('pacticipants', pacticipant),
      },
      'pb:tag': {
        href: `${self}/tags/{tag}`,
        title: 'Get, create or delete a tag for this pacticipant version',
        templated: true,
      },
      'pb:record-deployment': environmentLinks('deployed'),
      'pb:record-release': environmentLinks('released'),
    },
  };
}

export function tagView(
  hrefs: Hrefs,
  pacticipant: string,
  version: string,
  tag: { name: string; created_at: Date },
) {
  const versionHref = hrefs.path('pacticipants', pacticipant, 'versions', version);
  return {
    name: tag.name,
    createdAt: brokerDate(tag.created_at),
    _links: {
      self: {
        title: 'Tag',
        name: tag.name,
        href: `${versionHref}/tags/${encodeURIComponent(tag.name)}`,
      },
      version: { title: 'Version', name: version, href: versionHref },
      pacticipant: {
        title: 'Pacticipant',
        name: pacticipant,
        href: hrefs.path('pacticipants', pacticipant),
      },
    },
  };
}

/** A consumer version's pact with a provider. */
export const pactOfVersionHref = (
  hrefs: Hrefs,
  provider: string,
  consumer: string,
  version: string,
) => hrefs.path('pacts', 'provider', provider, 'consumer', consumer, 'version', version);

/** Where a pact (by content) takes verification results. */
export function pactVersionHref(
  hrefs: Hrefs,
  pact: Pick<PactRow, 'provider_name' | 'consumer_name' | 'sha'>,
) {
  return hrefs.path(
    'pacts',
    'provider',
    pact.provider_name,
    'consumer',
    pact.consumer_name,
    'pact-version',
    pact.sha,
  );
}

/** The pact as stored (with interaction ids), plus its links. */
export function pactView(hrefs: Hrefs, pact: PactRow, selfHref?: string) {
  const { provider_name: provider, consumer_name: consumer } = pact;
  const byVersion = pactOfVersionHref(hrefs, provider, consumer, pact.consumer_version);
  const pactVersion = pactVersionHref(hrefs, pact);
  return {
    ...pact.content,
    createdAt: brokerDate(pact.created_at),
    _links: {
      self: {
        title: 'Pact',
        name: `Pact between ${consumer} (${pact.consumer_version}) and ${provider}`,
        href: selfHref ?? byVersion,
      },
      'pb:consumer': {
        title: 'Consumer',
        name: consumer,
        href: hrefs.path('pacticipants', consumer),
      },
      'pb:consumer-version': {
        title: 'Consumer version',
        name: pact.consumer_version,
        href: hrefs.path('pacticipants', consumer, 'versions', pact.consumer_version),
      },
      'pb:provider': {
        title: 'Provider',
        name: provider,
        href: hrefs.path('pacticipants', provider),
      },
      'pb:pact-version': {
        title: 'Pact content version permalink',
        name: pact.sha,
        href: pactVersion,
      },
      'pb:latest-pact-version': {
        title: 'Latest version of this pact',
        href: hrefs.path('pacts', 'provider', provider, 'consumer', consumer, 'latest'),
      },
      'pb:latest-tagged-pact-version': {
        title: 'Latest tagged version of this pact',
        href: `${hrefs.path('pacts', 'provider', provider, 'consumer', consumer, 'latest')}/{tag}`,
        templated: true,
      },
      'pb:publish-verification-results': {
        title: 'Publish verification results',
        href: `${(selfHref ?? pactVersion).startsWith(pactVersion) ? (selfHref ?? pactVersion) : pactVersion}/verification-results`,
      },
      'pb:latest-verification-results': {
        href: `${pactVersion}/verification-results/latest`,
      },
      'pb:matrix-for-consumer-version': {
        title: 'View matrix rows for the consumer version to which this pact belongs',
        href: `${hrefs.base}/matrix?q[][pacticipant]=${encodeURIComponent(consumer)}&q[][version]=${encodeURIComponent(pact.consumer_version)}&latestby=cvpv`,
      },
    },
  };
}
