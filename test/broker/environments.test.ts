import { randomUUID } from 'node:crypto';
import { startBrokerForTest, type BrokerUnderTest } from '../../src/broker/testing.js';
import { pactBroker } from '../support/pact-broker-cli.js';

// The official pact-broker CLI against meshpact's broker: environments, and
// the deployments and releases recorded in them, as a deployment pipeline
// records them. Each test works in environments and pacticipants of its own.

interface Link {
  href: string;
  name?: string;
  title?: string;
}
interface Environment {
  uuid: string;
  name: string;
  displayName: string;
  production: boolean;
  contacts: { name: string; details?: Record<string, unknown> }[];
  _links: Record<string, Link>;
}
interface Recorded {
  uuid: string;
  currentlyDeployed?: boolean;
  currentlySupported?: boolean;
  applicationInstance?: string | null;
  undeployedAt?: string | null;
  supportEndedAt?: string | null;
  _embedded: {
    pacticipant: { name: string };
    version: { number: string };
    environment: { name: string };
  };
  _links: { self: Link };
}

describe('environments, deployments and releases with the pact-broker CLI', () => {
  let broker: BrokerUnderTest;
  const cli = (...args: string[]) => pactBroker([...args, '--broker-base-url', broker.url]);

  /** A call that never throws on status; the test checks the status itself. */
  const http = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    const response = await fetch(`${broker.url}${path}`, {
      ...rest,
      headers: {
        accept: 'application/hal+json, application/json',
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(rest.headers as Record<string, string> | undefined),
      },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      location: response.headers.get('location'),
      body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown>,
    };
  };

  const createEnvironment = async (name: string, ...flags: string[]) => {
    const created = await cli('create-environment', '--name', name, ...flags, '--output', 'id');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    return created.stdout.trim();
  };
  const createVersions = async (pacticipant: string, ...versions: string[]) => {
    for (const version of versions) {
      const made = await cli(
        'create-or-update-version',
        '--pacticipant',
        pacticipant,
        '--version',
        version,
      );
      expect(made.status).toBe(0);
    }
  };
  const deployed = async (uuid: string, query = '') =>
    (
      (await http(`/environments/${uuid}/deployed-versions/currently-deployed${query}`)).body as {
        _embedded: { deployedVersions: Recorded[] };
      }
    )._embedded.deployedVersions.map(
      (d) => `${d._embedded.version.number}@${d.applicationInstance ?? '-'}`,
    );
  const supported = async (uuid: string, query = '') =>
    (
      (await http(`/environments/${uuid}/released-versions/currently-supported${query}`)).body as {
        _embedded: { releasedVersions: Recorded[] };
      }
    )._embedded.releasedVersions.map((r) => r._embedded.version.number);

  beforeAll(async () => {
    broker = await startBrokerForTest();
  });
  afterAll(async () => {
    await broker.close();
  });

  describe('environments', () => {
    it('creates, lists and describes environments, with a display name made from the name', async () => {
      const staging = await createEnvironment('pre-prod');
      const prod = await createEnvironment(
        'prod-eu',
        '--display-name',
        'Production (EU)',
        '--production',
        '--contact-name',
        'Platform team',
        '--contact-email-address',
        'platform@example.com',
      );
      expect(staging).toMatch(/^[0-9a-f-]{36}$/);

      const table = await cli('list-environments');
      expect(table.status).toBe(0);
      expect(table.stdout).toMatch(new RegExp(`${staging}\\s+┆ pre-prod\\s+┆ Pre Prod\\s+┆ false`));
      expect(table.stdout).toMatch(
        new RegExp(`${prod}\\s+┆ prod-eu\\s+┆ Production \\(EU\\)\\s+┆ true`),
      );

      const described = await cli('describe-environment', '--uuid', prod, '--output', 'json');
      expect(described.status).toBe(0);
      const environment = JSON.parse(described.stdout) as Environment;
      expect(environment).toMatchObject({
        uuid: prod,
        name: 'prod-eu',
        displayName: 'Production (EU)',
        production: true,
        contacts: [{ name: 'Platform team', details: { emailAddress: 'platform@example.com' } }],
      });
      expect(environment._links['pb:currently-deployed-deployed-versions']?.href).toBe(
        `${broker.url}/environments/${prod}/deployed-versions/currently-deployed`,
      );
      expect(environment._links['pb:currently-supported-released-versions']?.href).toBe(
        `${broker.url}/environments/${prod}/released-versions/currently-supported`,
      );

      const byName = await http('/environments?name=pre-prod');
      expect(byName.status).toBe(200);
      const list = byName.body as {
        _embedded: { environments: Environment[] };
        _links: { 'pb:environments': Link[] };
      };
      expect(list._embedded.environments.map((e) => e.uuid)).toEqual([staging]);
      expect(list._links['pb:environments']).toEqual([
        { title: 'Pre Prod', name: 'pre-prod', href: `${broker.url}/environments/${staging}` },
      ]);
    });

    it('updates and deletes an environment with update-environment and delete-environment', async () => {
      const uuid = await createEnvironment('staging');
      const updated = await cli(
        'update-environment',
        '--uuid',
        uuid,
        '--name',
        'staging-eu',
        '--display-name',
        'Staging (EU)',
      );
      expect(updated.status).toBe(0);
      expect((await http(`/environments/${uuid}`)).body).toMatchObject({
        name: 'staging-eu',
        displayName: 'Staging (EU)',
      });

      await createVersions('inventory', '1.0.0');
      const deployment = await http(
        `/pacticipants/inventory/versions/1.0.0/deployed-versions/environment/${uuid}`,
        { method: 'POST', json: {} },
      );
      expect(deployment.status).toBe(201);

      const deleted = await cli('delete-environment', '--uuid', uuid);
      expect(deleted.status).toBe(0);
      expect((await http(`/environments/${uuid}`)).status).toBe(404);
      // The deployments recorded there go with it.
      expect((await http(`/deployed-versions/${String(deployment.body.uuid)}`)).status).toBe(404);
    });

    it('ignores a uuid in the body, replaces an environment with PUT and deletes it', async () => {
      const given = randomUUID();
      const created = await http('/environments', {
        method: 'POST',
        json: { uuid: given, name: 'qa', production: false },
      });
      expect(created.status).toBe(201);
      const uuid = (created.body as unknown as Environment).uuid;
      expect(uuid).not.toBe(given);
      expect(created.location).toBe(`${broker.url}/environments/${uuid}`);

      const replaced = await http(`/environments/${uuid}`, {
        method: 'PUT',
        json: { name: 'qa-1', displayName: 'QA one', production: true },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ uuid, name: 'qa-1', displayName: 'QA one' });
      expect((await http(`/environments/${uuid}`)).body).toMatchObject({ production: true });

      expect((await http(`/environments/${uuid}`, { method: 'DELETE' })).status).toBe(204);
      expect((await http(`/environments/${uuid}`)).status).toBe(404);
      const again = await http(`/environments/${uuid}`, {
        method: 'PUT',
        json: { name: 'qa-1', production: true },
      });
      expect(again.status).toBe(404);
    });
  });

  describe('deployments', () => {
    it('records deployments: a second version replaces the first, application instances stay apart', async () => {
      const env = await createEnvironment('deploy-test');
      await createVersions('orders', '1.0.0', '1.0.1');

      const first = await cli(
        'record-deployment',
        '--pacticipant',
        'orders',
        '--version',
        '1.0.0',
        '--environment',
        'deploy-test',
      );
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/Recorded deployment of orders version 1.0.0 to deploy-test/);
      const blue = await cli(
        'record-deployment',
        '--pacticipant',
        'orders',
        '--version',
        '1.0.0',
        '--environment',
        'deploy-test',
        '--application-instance',
        'blue',
        '--output',
        'json',
      );
      expect(blue.status).toBe(0);
      expect(JSON.parse(blue.stdout)).toMatchObject({
        applicationInstance: 'blue',
        currentlyDeployed: true,
        _embedded: { pacticipant: { name: 'orders' }, version: { number: '1.0.0' } },
      });
      expect(await deployed(env)).toEqual(['1.0.0@-', '1.0.0@blue']);
      const [replacedRecord] = (
        (
          await http(
            `/environments/${env}/deployed-versions/currently-deployed?applicationInstance=`,
          )
        ).body as { _embedded: { deployedVersions: Recorded[] } }
      )._embedded.deployedVersions;

      const second = await cli(
        'record-deployment',
        '--pacticipant',
        'orders',
        '--version',
        '1.0.1',
        '--environment',
        'deploy-test',
      );
      expect(second.status).toBe(0);
      expect(await deployed(env)).toEqual(['1.0.1@-', '1.0.0@blue']);
      expect(await deployed(env, '?pacticipant=orders&applicationInstance=blue')).toEqual([
        '1.0.0@blue',
      ]);
      expect(await deployed(env, '?pacticipant=someone-else')).toEqual([]);

      const replaced = await http(`/deployed-versions/${replacedRecord!.uuid}`);
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ currentlyDeployed: false, applicationInstance: null });
      expect(replaced.body.undeployedAt).toEqual(expect.stringMatching(/\+00:00$/));
    });

    it('returns the current record unchanged when the same version is recorded again', async () => {
      const env = await createEnvironment('deploy-again');
      await createVersions('payments', '2.0.0');
      const path = `/pacticipants/payments/versions/2.0.0/deployed-versions/environment/${env}`;
      const once = await http(path, { method: 'POST', json: {} });
      const twice = await http(path, { method: 'POST', json: {} });
      expect(once.status).toBe(201);
      expect(twice.status).toBe(201);
      expect(once.location).toBe(`${broker.url}/deployed-versions/${String(once.body.uuid)}`);
      expect(twice.body.uuid).toBe(once.body.uuid);
      expect(await deployed(env)).toEqual(['2.0.0@-']);
    });

    it('records undeployments per application instance', async () => {
      const env = await createEnvironment('undeploy-test');
      await createVersions('search', '3.0.0');
      for (const instance of [[], ['--application-instance', 'blue']])
        expect(
          (
            await cli(
              'record-deployment',
              '--pacticipant',
              'search',
              '--version',
              '3.0.0',
              '--environment',
              'undeploy-test',
              ...instance,
            )
          ).status,
        ).toBe(0);

      const blue = await cli(
        'record-undeployment',
        '--pacticipant',
        'search',
        '--environment',
        'undeploy-test',
        '--application-instance',
        'blue',
      );
      expect(blue.status).toBe(0);
      expect(blue.stdout).toMatch(/Undeployed search from undeploy-test/);
      expect(await deployed(env)).toEqual(['3.0.0@-']);

      const rest = await cli(
        'record-undeployment',
        '--pacticipant',
        'search',
        '--environment',
        'undeploy-test',
      );
      expect(rest.status).toBe(0);
      expect(await deployed(env)).toEqual([]);
    });

    it('describes the versions in an environment with describe-version --environment', async () => {
      await createEnvironment('describe-env');
      await createVersions('catalog', '4.0.0', '4.1.0');
      for (const [version, record] of [
        ['4.0.0', 'record-deployment'],
        ['4.1.0', 'record-release'],
      ] as const)
        expect(
          (
            await cli(
              record,
              '--pacticipant',
              'catalog',
              '--version',
              version,
              '--environment',
              'describe-env',
            )
          ).status,
        ).toBe(0);

      const described = await cli(
        'describe-version',
        '--pacticipant',
        'catalog',
        '--environment',
        'describe-env',
        '--output',
        'json',
      );
      expect(described.status).toBe(0);
      const records = JSON.parse(described.stdout) as Recorded[];
      expect(records.map((r) => [r._embedded.version.number, r.currentlyDeployed ?? null])).toEqual(
        [
          ['4.0.0', true],
          ['4.1.0', null],
        ],
      );
    });
  });

  describe('releases', () => {
    it('records releases side by side, ends support, and supports a version again when re-recorded', async () => {
      const env = await createEnvironment('app-store', '--production');
      await createVersions('mobile', '5.0.0', '5.1.0');
      const release = (version: string) =>
        cli(
          'record-release',
          '--pacticipant',
          'mobile',
          '--version',
          version,
          '--environment',
          'app-store',
        );

      const first = await release('5.0.0');
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(first.stdout).toMatch(/Recorded release of mobile version 5.0.0 to app-store/);
      expect((await release('5.1.0')).status).toBe(0);
      expect(await supported(env)).toEqual(['5.0.0', '5.1.0']);
      expect(await supported(env, '?pacticipant=mobile&version=5.1.0')).toEqual(['5.1.0']);

      const ended = await cli(
        'record-support-ended',
        '--pacticipant',
        'mobile',
        '--version',
        '5.0.0',
        '--environment',
        'app-store',
      );
      expect(ended.status).toBe(0);
      expect(await supported(env)).toEqual(['5.1.0']);

      const path = `/pacticipants/mobile/versions/5.0.0/released-versions/environment/${env}`;
      const again = await http(path, { method: 'POST', json: {} });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ currentlySupported: true, supportEndedAt: null });
      expect(await supported(env)).toEqual(['5.0.0', '5.1.0']);

      await createVersions('mobile', '5.2.0');
      const fresh = await http(path.replace('5.0.0', '5.2.0'), { method: 'POST', json: {} });
      expect(fresh.status).toBe(201);
      expect(fresh.location).toBe(`${broker.url}/released-versions/${String(fresh.body.uuid)}`);
    });
  });

  describe('errors, as problem+json', () => {
    const problem = { accept: 'application/problem+json' };

    it('refuses a second environment with a taken name as a 400 validation error on /name', async () => {
      await createEnvironment('taken');
      const duplicate = await http('/environments', {
        method: 'POST',
        headers: problem,
        json: { name: 'taken', production: true },
      });
      expect(duplicate.status).toBe(400);
      expect(duplicate.type).toMatch(/^application\/problem\+json;charset=utf-8$/);
      expect(duplicate.body).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: [
          { path: '/name', message: "name 'taken' is already used by an existing environment" },
        ],
      });

      const byCli = await cli('create-environment', '--name', 'taken');
      expect(byCli.status).not.toBe(0);
      expect(byCli.stdout).toMatch(/name 'taken' is already used by an existing environment/);

      const other = await createEnvironment('not-taken');
      const renamed = await http(`/environments/${other}`, {
        method: 'PUT',
        headers: problem,
        json: { name: 'taken', production: false },
      });
      expect(renamed.status).toBe(400);
      expect(renamed.body).toMatchObject({
        code: 'validation_failed',
        errors: [
          { path: '/name', message: "name 'taken' is already used by an existing environment" },
        ],
      });
    });

    it('answers 404 not_found for an unknown environment, and never creates a version', async () => {
      const unknown = randomUUID();
      for (const path of [
        `/environments/${unknown}`,
        `/environments/${unknown}/deployed-versions/currently-deployed`,
        `/environments/${unknown}/released-versions/currently-supported`,
        `/deployed-versions/${unknown}`,
        `/released-versions/${unknown}`,
      ]) {
        const missing = await http(path, { headers: problem });
        expect([path, missing.status, missing.body.code]).toEqual([path, 404, 'not_found']);
      }

      await createVersions('ledger', '1.0.0');
      const toNowhere = await http(
        `/pacticipants/ledger/versions/1.0.0/deployed-versions/environment/${unknown}`,
        { method: 'POST', headers: problem, json: {} },
      );
      expect(toNowhere.status).toBe(404);
      expect(toNowhere.body.code).toBe('not_found');

      const env = await createEnvironment('no-auto-create');
      const noVersion = await http(
        `/pacticipants/ledger/versions/9.9.9/released-versions/environment/${env}`,
        { method: 'POST', headers: problem, json: {} },
      );
      expect(noVersion.status).toBe(404);
      expect((await http('/pacticipants/ledger/versions/9.9.9')).status).toBe(404);

      const byCli = await cli(
        'record-deployment',
        '--pacticipant',
        'ledger',
        '--version',
        '1.0.0',
        '--environment',
        'nowhere',
      );
      expect(byCli.status).not.toBe(0);
      expect(byCli.stdout).toMatch(/Environment nowhere does not exist/);
    });

    it('refuses to set currentlyDeployed or currentlySupported back to true with 422 irreversible_change', async () => {
      const env = await createEnvironment('no-redeploy');
      await createVersions('billing', '7.0.0');
      const base = `/pacticipants/billing/versions/7.0.0`;
      const deployment = await http(`${base}/deployed-versions/environment/${env}`, {
        method: 'POST',
        json: {},
      });
      const release = await http(`${base}/released-versions/environment/${env}`, {
        method: 'POST',
        json: {},
      });
      const patch = (path: string, body: unknown) =>
        http(path, {
          method: 'PATCH',
          headers: { ...problem, 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify(body),
        });

      const deployedPath = `/deployed-versions/${String(deployment.body.uuid)}`;
      const redeploy = await patch(deployedPath, { currentlyDeployed: true });
      expect(redeploy.status).toBe(422);
      expect(redeploy.type).toMatch(/^application\/problem\+json/);
      expect(redeploy.body).toMatchObject({
        status: 422,
        code: 'irreversible_change',
        errors: [expect.objectContaining({ path: '/currentlyDeployed' })],
      });
      expect((await patch(deployedPath, {})).body).toMatchObject({ currentlyDeployed: true });
      expect((await patch(deployedPath, { currentlyDeployed: false })).body).toMatchObject({
        currentlyDeployed: false,
      });

      const releasedPath = `/released-versions/${String(release.body.uuid)}`;
      const resupport = await patch(releasedPath, { currentlySupported: true });
      expect(resupport.status).toBe(422);
      expect(resupport.body).toMatchObject({
        status: 422,
        code: 'irreversible_change',
        errors: [expect.objectContaining({ path: '/currentlySupported' })],
      });
      const ended = await patch(releasedPath, { currentlySupported: false });
      expect(ended.status).toBe(200);
      expect(ended.body).toMatchObject({ currentlySupported: false });
      expect(ended.body.supportEndedAt).toEqual(expect.stringMatching(/\+00:00$/));
    });

    it('answers 400 malformed_json for a body that is not JSON, and 400 validation_failed for one that breaks the schema', async () => {
      const broken = await http('/environments', {
        method: 'POST',
        headers: { ...problem, 'content-type': 'application/json' },
        body: '{"name": "oops", ',
      });
      expect(broken.status).toBe(400);
      expect(broken.body.code).toBe('malformed_json');

      const spaced = await http('/environments', {
        method: 'POST',
        headers: problem,
        json: { name: 'pre prod', production: 'yes' },
      });
      expect(spaced.status).toBe(400);
      expect(spaced.body).toMatchObject({ status: 400, code: 'validation_failed' });
      expect((spaced.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual([
        '/name',
        '/production',
      ]);
    });
  });

  describe('errors, as the Pact clients see them (HAL)', () => {
    it('tells a HAL client a taken name as the Pact Broker does: 400, errors by field, as HAL', async () => {
      await createEnvironment('x');
      const response = await fetch(`${broker.url}/environments`, {
        method: 'POST',
        headers: { accept: 'application/hal+json', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', production: false }),
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/hal+json;charset=utf-8');
      expect(await response.json()).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: { name: ["name 'x' is already used by an existing environment"] },
      });
    });
  });
});
