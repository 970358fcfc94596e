import type { PublicBrokerApi } from './broker-api.js';

/**
 * Ids the pacts name literally (an environment's or a deployed version's uuid)
 * mapped to the ids the broker made for them: the broker makes its own uuids,
 * so the replay proxy puts the real ones into the requests.
 */
export type IdMap = Map<string, string>;

type StateBuilder = (api: PublicBrokerApi, ids: IdMap) => Promise<void>;

const FOO_SHA = '5556b8149bf8bac76bc30f50a8a2dd4c22c85f30';
const TEST_ENVIRONMENT = 'cb632df3-0a0d-4227-aac3-60114dd36479';
const NAMED_TEST_ENVIRONMENT = '16926ef3-590f-4e3f-838e-719717aa88c9';
const DEPLOYED_VERSION = 'ff3adecf-cfc5-4653-a4e3-f1861092f8e0';
const WEBHOOK = '696c5f93-1b7f-44bc-8d03-59440fcaa9a0';

/** A state that needs nothing: the fresh broker already is that state. */
const nothing: StateBuilder = async () => {};

/**
 * "The pact for X version 1.2.3 has been verified by Bar version 4.5.6": the
 * Pact Broker's own provider state (spec/service_consumers/shared_provider_states.rb)
 * also verifies it by 7.8.9 and publishes a 2.0.0 verified by 4.5.6, so that
 * the matrix has rows the query must leave out. It revises the pact too; that
 * only bumps a revision number the interactions do not read, so it is left out.
 */
const verifiedBy4_5_6 =
  (consumer: string): StateBuilder =>
  async (api) => {
    await api.publishPact(consumer, '1.2.3', 'Bar');
    await api.verify(consumer, '1.2.3', 'Bar', '4.5.6');
    await api.verify(consumer, '1.2.3', 'Bar', '7.8.9');
    await api.publishPact(consumer, '2.0.0', 'Bar', '2.0.0');
    await api.verify(consumer, '2.0.0', 'Bar', '4.5.6');
  };

/** Foo 1.2.3 verified by Bar 4.5.6 (tagged `barTag` if given), then Foo 1.2.4 failed by Bar 9.9.9. */
const thenFailedBy9_9_9 =
  (barTag?: string): StateBuilder =>
  async (api) => {
    await api.publishPact('Foo', '1.2.3', 'Bar');
    await api.verify('Foo', '1.2.3', 'Bar', '4.5.6');
    if (barTag) await api.tagVersion('Bar', '4.5.6', barTag);
    await api.publishPact('Foo', '1.2.4', 'Bar', '1.2.4');
    await api.verify('Foo', '1.2.4', 'Bar', '9.9.9', false);
  };

const condorPactWithPricingService =
  (tag?: string): StateBuilder =>
  async (api) => {
    await api.createVersion('Condor', '1.3.0');
    if (tag) await api.tagVersion('Condor', '1.3.0', tag);
    await api.publishPact('Condor', '1.3.0', 'Pricing Service');
  };

const fooWithTestEnvironment: StateBuilder = async (api, ids) => {
  await api.createVersion('Foo', FOO_SHA);
  ids.set(TEST_ENVIRONMENT, await api.createEnvironment('test'));
};

const condorAndPricingService: StateBuilder = async (api) => {
  await api.createPacticipant('Condor');
  await api.createPacticipant('Pricing Service');
};

/**
 * Every provider state the official clients' pacts of the Pact Broker API
 * name, built as the Pact Broker builds them for its own verification of
 * these pacts, but through the public API.
 */
export const providerStates: Record<string, StateBuilder> = {
  "'Condor' exists in the pact-broker with the latest tagged 'production' version 1.2.3": async (
    api,
  ) => {
    await api.createVersion('Condor', '1.2.3');
    await api.tagVersion('Condor', '1.2.3', 'production');
    await api.createVersion('Condor', '2.0.0');
  },
  "'Condor' exists in the pact-broker with the latest version 1.2.3": async (api) => {
    await api.createVersion('Condor', '1.0.0');
    await api.createVersion('Condor', '1.2.3');
  },
  "the 'Pricing Service' and 'Condor' already exist in the pact-broker": condorAndPricingService,
  'the pact for Foo Thing version 1.2.3 has been verified by Bar version 4.5.6':
    verifiedBy4_5_6('Foo Thing'),
  'the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6': verifiedBy4_5_6('Foo'),
  'the pact for Foo version 1.2.3 and 1.2.4 has been verified by Bar version 4.5.6': async (
    api,
  ) => {
    await api.publishPact('Foo', '1.2.3', 'Bar');
    await api.verify('Foo', '1.2.3', 'Bar', '4.5.6');
    await api.publishPact('Foo', '1.2.4', 'Bar', '1.2.4');
    await api.verify('Foo', '1.2.4', 'Bar', '4.5.6');
  },
  'the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6, and 1.2.4 unsuccessfully by 9.9.9':
    thenFailedBy9_9_9(),
  'the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 with tag prod, and 1.2.4 unsuccessfully by 9.9.9':
    thenFailedBy9_9_9('prod'),
  'the pact for Foo version 1.2.3 has been verified by Bar version 4.5.6 and version 5.6.7': async (
    api,
  ) => {
    await api.publishPact('Foo', '1.2.3', 'Bar');
    await api.verify('Foo', '1.2.3', 'Bar', '4.5.6');
    await api.verify('Foo', '1.2.3', 'Bar', '5.6.7');
  },
  'the pact for Foo version 1.2.3 has been successfully verified by Bar version 4.5.6 (tagged prod) and version 5.6.7':
    async (api) => {
      await api.publishPact('Foo', '1.2.3', 'Bar');
      await api.verify('Foo', '1.2.3', 'Bar', '4.5.6');
      await api.tagVersion('Bar', '4.5.6', 'prod');
      await api.verify('Foo', '1.2.3', 'Bar', '5.6.7');
    },
  "the 'Pricing Service' already exists in the pact-broker": async (api) => {
    await api.createPacticipant('Pricing Service', {
      repositoryUrl: 'git@git.realestate.com.au:business-systems/pricing-service',
    });
    await api.createVersion('Pricing Service', '1.3.0');
  },
  'a pact between Condor and the Pricing Service exists': condorPactWithPricingService(),
  "the 'Pricing Service' and 'Condor' already exist in the pact-broker, and Condor already has a pact published for version 1.3.0":
    condorPactWithPricingService(),
  "'Condor' exists in the pact-broker": async (api) => {
    await api.createVersion('Condor', '1.3.0');
  },
  "'Condor' exists in the pact-broker with version 1.3.0, tagged with 'prod'": async (api) => {
    await api.tagVersion('Condor', '1.3.0', 'prod');
  },
  'a pact between Condor and the Pricing Service exists for the production version of Condor':
    condorPactWithPricingService('prod'),
  'a latest pact between Condor and the Pricing Service exists': condorPactWithPricingService(),
  'tagged as prod pact between Condor and the Pricing Service exists':
    condorPactWithPricingService('prod'),
  [`a webhook with the uuid ${WEBHOOK} exists`]: async (api) => {
    await condorAndPricingService(api, new Map());
    await api.putWebhook(WEBHOOK, {
      consumer: { name: 'Condor' },
      provider: { name: 'Pricing Service' },
      events: [{ name: 'contract_content_changed' }],
      request: { method: 'POST', url: 'https://example.org/hook' },
    });
  },
  'a pacticipant with name Foo exists': async (api) => {
    await api.createPacticipant('Foo');
  },
  'provider Bar version 4.5.6 has a successful verification for Foo version 1.2.3 tagged prod and a failed verification for version 3.4.5 tagged prod':
    async (api) => {
      await api.createPacticipant('Bar');
      await api.tagVersion('Foo', '1.2.3', 'prod');
      await api.publishPact('Foo', '1.2.3', 'Bar');
      await api.verify('Foo', '1.2.3', 'Bar', '4.5.6');
      await api.tagVersion('Foo', '3.4.5', 'prod');
      await api.publishPact('Foo', '3.4.5', 'Bar', '3.4.5');
      await api.verify('Foo', '3.4.5', 'Bar', '4.5.6', false);
    },
  'an environment exists': async (api) => {
    await api.createEnvironment('test', {
      contacts: [{ name: 'foo', details: { emailAddress: 'foo@bar.com' } }],
    });
  },
  [`version ${FOO_SHA} of pacticipant Foo exists with a test environment available for release`]:
    fooWithTestEnvironment,
  [`version ${FOO_SHA} of pacticipant Foo exists with a test environment available for deployment`]:
    fooWithTestEnvironment,
  [`an environment with name test and UUID ${NAMED_TEST_ENVIRONMENT} exists`]: async (api, ids) => {
    ids.set(NAMED_TEST_ENVIRONMENT, await api.createEnvironment('test'));
  },
  [`an version is deployed to environment with UUID ${NAMED_TEST_ENVIRONMENT} with target customer-1`]:
    async (api, ids) => {
      const environment = await api.createEnvironment('test');
      ids.set(NAMED_TEST_ENVIRONMENT, environment);
      await api.createVersion('Foo', FOO_SHA);
      ids.set(
        DEPLOYED_VERSION,
        await api.recordDeployment('Foo', FOO_SHA, environment, 'customer-1'),
      );
    },
  'a currently deployed version exists': async (api, ids) => {
    const environment = await api.createEnvironment('test');
    ids.set(TEST_ENVIRONMENT, environment);
    await api.createVersion('Foo', FOO_SHA);
    ids.set(DEPLOYED_VERSION, await api.recordDeployment('Foo', FOO_SHA, environment));
  },
  'a branch named main exists for pacticipant Foo': async (api) => {
    await api.createVersion('Foo', '1', { branch: 'main' });
  },
  'an environment with name test exists': async (api) => {
    await api.createEnvironment('test');
  },
  [`version ${FOO_SHA} of pacticipant Foo exists with 2 environments that aren't test available for deployment`]:
    async (api) => {
      await api.createVersion('Foo', FOO_SHA);
      await api.createEnvironment('prod');
      await api.createEnvironment('dev');
    },

  // States that only name what the fresh broker already is (the Pact Broker's no_op states).
  'the pb:latest-tagged-version relation exists in the index resource': nothing,
  'the pb:latest-version relation exists in the index resource': nothing,
  "the 'Pricing Service' does not exist in the pact-broker": nothing,
  'no pact between Condor and the Pricing Service exists': nothing,
  "'Condor' does not exist in the pact-broker": nothing,
  'the pacticipant relations are present': nothing,
  'the pb:publish-contracts relations exists in the index resource': nothing,
  'the pb:environments relation exists in the index resource': nothing,
  'the pb:pacticipant-branch relation exists in the index resource': nothing,
  'the pb:pacticipant-version and pb:environments relations exist in the index resource': nothing,
};
