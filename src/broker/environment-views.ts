import { brokerDate, type Hrefs } from './hal.js';
import type { DeployedVersionRow, ReleasedVersionRow } from './store/deployments.js';
import type { EnvironmentRow } from './store/environments.js';

// Environments and the versions deployed or released there, as the Pact
// clients read them (field names and relations from the Pact Broker's
// environment, deployed-version and released-version decorators).

const dates = (created: Date, updated?: Date) => ({
  createdAt: brokerDate(created),
  ...(updated && updated.getTime() !== created.getTime() ? { updatedAt: brokerDate(updated) } : {}),
});

const displayNameOf = (row: EnvironmentRow) => row.display_name ?? row.name;

export function environmentView(hrefs: Hrefs, row: EnvironmentRow) {
  const self = hrefs.path('environments', row.uuid);
  return {
    uuid: row.uuid,
    name: row.name,
    displayName: row.display_name,
    production: row.production,
    contacts: Array.isArray(row.contacts) ? (row.contacts as unknown[]) : [],
    ...dates(row.created_at, row.updated_at),
    _links: {
      self: { title: 'Environment', name: row.name, href: self },
      'pb:currently-deployed-deployed-versions': {
        title: `Versions currently deployed to ${displayNameOf(row)} environment`,
        href: `${self}/deployed-versions/currently-deployed`,
      },
      'pb:currently-supported-released-versions': {
        title: `Versions released and supported in ${displayNameOf(row)} environment`,
        href: `${self}/released-versions/currently-supported`,
      },
      'pb:environments': { title: 'Environments', href: hrefs.path('environments') },
    },
  };
}

export function environmentListView(hrefs: Hrefs, rows: EnvironmentRow[]) {
  return {
    _embedded: { environments: rows.map((row) => environmentView(hrefs, row)) },
    _links: {
      self: { title: 'Environments', href: hrefs.path('environments') },
      'pb:environments': rows.map((row) => ({
        title: displayNameOf(row),
        name: row.name,
        href: hrefs.path('environments', row.uuid),
      })),
    },
  };
}

/** The pacticipant, version and environment a deployment or release is about. */
function subjectOf(
  hrefs: Hrefs,
  row: DeployedVersionRow | ReleasedVersionRow,
  environment: EnvironmentRow,
) {
  const { _links: environmentLinks, ...environmentFields } = environmentView(hrefs, environment);
  return {
    pacticipant: {
      name: row.pacticipant_name,
      _links: { self: { href: hrefs.path('pacticipants', row.pacticipant_name) } },
    },
    version: {
      number: row.version_number,
      createdAt: brokerDate(row.version_created_at),
      _links: {
        self: {
          href: hrefs.path('pacticipants', row.pacticipant_name, 'versions', row.version_number),
        },
      },
    },
    environment: { ...environmentFields, _links: { self: environmentLinks.self } },
  };
}

export function deployedVersionView(
  hrefs: Hrefs,
  row: DeployedVersionRow,
  environment: EnvironmentRow,
) {
  const instance = row.application_instance === '' ? null : row.application_instance;
  return {
    uuid: row.uuid,
    currentlyDeployed: row.undeployed_at === null,
    target: instance,
    applicationInstance: instance,
    undeployedAt: row.undeployed_at && brokerDate(row.undeployed_at),
    createdAt: brokerDate(row.created_at),
    _embedded: subjectOf(hrefs, row, environment),
    _links: {
      self: {
        title: `Deployed version ${row.version_number} of ${row.pacticipant_name} in ${displayNameOf(environment)}`,
        href: hrefs.path('deployed-versions', row.uuid),
      },
    },
  };
}

export function releasedVersionView(
  hrefs: Hrefs,
  row: ReleasedVersionRow,
  environment: EnvironmentRow,
) {
  return {
    uuid: row.uuid,
    currentlySupported: row.support_ended_at === null,
    supportEndedAt: row.support_ended_at && brokerDate(row.support_ended_at),
    createdAt: brokerDate(row.created_at),
    _embedded: subjectOf(hrefs, row, environment),
    _links: {
      self: {
        title: `Released version ${row.version_number} of ${row.pacticipant_name} in ${displayNameOf(environment)}`,
        href: hrefs.path('released-versions', row.uuid),
      },
    },
  };
}
