-- The broker's data: pacticipants and their versions (with branches and tags),
-- pact contents and publications, verification results, environments with the
-- versions deployed or released there, and webhooks with their executions.
--
-- Orders: a version's `position` comes from one sequence, so "latest" is the
-- highest position, and the columns the matrix filters on are copied onto the
-- rows it reads (pacticipant ids, version positions) so each lookup is one
-- index range, whatever the number of versions.

CREATE TABLE broker_pacticipants (
  id                   bigserial   PRIMARY KEY,
  name                 text        NOT NULL UNIQUE,
  display_name         text,
  main_branch          text,
  repository_url       text,
  repository_name      text,
  repository_namespace text,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);

CREATE SEQUENCE broker_version_positions;

CREATE TABLE broker_versions (
  id             bigserial   PRIMARY KEY,
  pacticipant_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  number         text        NOT NULL,
  position       bigint      NOT NULL DEFAULT nextval('broker_version_positions'),
  build_url      text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  UNIQUE (pacticipant_id, number)
);
CREATE INDEX broker_versions_latest ON broker_versions (pacticipant_id, position DESC);

CREATE TABLE broker_branches (
  id             bigserial   PRIMARY KEY,
  pacticipant_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  name           text        NOT NULL,
  created_at     timestamptz NOT NULL,
  UNIQUE (pacticipant_id, name)
);

-- A version on a branch; the branch head is its row with the highest position.
CREATE TABLE broker_branch_versions (
  branch_id        bigint      NOT NULL REFERENCES broker_branches (id) ON DELETE CASCADE,
  version_id       bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  pacticipant_id   bigint      NOT NULL,
  position         bigint      NOT NULL DEFAULT nextval('broker_version_positions'),
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (branch_id, version_id)
);
CREATE INDEX broker_branch_versions_head ON broker_branch_versions (branch_id, position DESC);
CREATE INDEX broker_branch_versions_version ON broker_branch_versions (version_id);

CREATE TABLE broker_tags (
  version_id       bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  name             text        NOT NULL,
  pacticipant_id   bigint      NOT NULL,
  version_position bigint      NOT NULL,
  created_at       timestamptz NOT NULL,
  PRIMARY KEY (version_id, name)
);
CREATE INDEX broker_tags_latest ON broker_tags (pacticipant_id, name, version_position DESC);

-- A pact's content, once per consumer, provider and content hash.
CREATE TABLE broker_pact_versions (
  id          bigserial   PRIMARY KEY,
  consumer_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  provider_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  sha         text        NOT NULL,
  content     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL,
  UNIQUE (consumer_id, provider_id, sha)
);

-- The pact a consumer version has with a provider (re-publishing replaces it: a new revision).
CREATE TABLE broker_pact_publications (
  id                        bigserial   PRIMARY KEY,
  consumer_version_id       bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  provider_id               bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  pact_version_id           bigint      NOT NULL REFERENCES broker_pact_versions (id),
  consumer_id               bigint      NOT NULL,
  consumer_version_position bigint      NOT NULL,
  revision                  integer     NOT NULL DEFAULT 1,
  created_at                timestamptz NOT NULL,
  updated_at                timestamptz NOT NULL,
  UNIQUE (consumer_version_id, provider_id)
);
CREATE INDEX broker_pact_publications_latest
  ON broker_pact_publications (provider_id, consumer_id, consumer_version_position DESC);
CREATE INDEX broker_pact_publications_content ON broker_pact_publications (pact_version_id);

-- Who has ever had a pact with whom.
CREATE TABLE broker_integrations (
  consumer_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  provider_id bigint      NOT NULL REFERENCES broker_pacticipants (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (consumer_id, provider_id)
);
CREATE INDEX broker_integrations_provider ON broker_integrations (provider_id);

-- A verification result belongs to pact content, so it counts for every consumer
-- version whose pact has that content. `id` is the result's number.
CREATE TABLE broker_verifications (
  id                        bigserial   PRIMARY KEY,
  pact_version_id           bigint      NOT NULL REFERENCES broker_pact_versions (id) ON DELETE CASCADE,
  provider_version_id       bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  consumer_id               bigint      NOT NULL,
  provider_id               bigint      NOT NULL,
  provider_version_position bigint      NOT NULL,
  success                   boolean     NOT NULL,
  build_url                 text,
  test_results              jsonb,
  verified_by               jsonb,
  pending                   boolean,
  wip                       boolean     NOT NULL DEFAULT false,
  created_at                timestamptz NOT NULL
);
CREATE INDEX broker_verifications_by_content
  ON broker_verifications (pact_version_id, provider_version_position DESC, id DESC);
CREATE INDEX broker_verifications_by_provider_version
  ON broker_verifications (provider_version_id, pact_version_id, id DESC);

CREATE TABLE broker_environments (
  id           bigserial   PRIMARY KEY,
  uuid         text        NOT NULL UNIQUE,
  name         text        NOT NULL UNIQUE,
  display_name text,
  production   boolean     NOT NULL,
  contacts     jsonb,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

CREATE TABLE broker_deployed_versions (
  id                   bigserial   PRIMARY KEY,
  uuid                 text        NOT NULL UNIQUE,
  version_id           bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  pacticipant_id       bigint      NOT NULL,
  environment_id       bigint      NOT NULL REFERENCES broker_environments (id) ON DELETE CASCADE,
  -- '' when the deployment names no application instance.
  application_instance text        NOT NULL DEFAULT '',
  created_at           timestamptz NOT NULL,
  undeployed_at        timestamptz
);
CREATE INDEX broker_deployed_versions_current
  ON broker_deployed_versions (environment_id, pacticipant_id) WHERE undeployed_at IS NULL;
CREATE INDEX broker_deployed_versions_version ON broker_deployed_versions (version_id);

CREATE TABLE broker_released_versions (
  id               bigserial   PRIMARY KEY,
  uuid             text        NOT NULL UNIQUE,
  version_id       bigint      NOT NULL REFERENCES broker_versions (id) ON DELETE CASCADE,
  pacticipant_id   bigint      NOT NULL,
  environment_id   bigint      NOT NULL REFERENCES broker_environments (id) ON DELETE CASCADE,
  created_at       timestamptz NOT NULL,
  support_ended_at timestamptz,
  UNIQUE (version_id, environment_id)
);
CREATE INDEX broker_released_versions_current
  ON broker_released_versions (environment_id, pacticipant_id) WHERE support_ended_at IS NULL;

CREATE TABLE broker_webhooks (
  id          bigserial   PRIMARY KEY,
  uuid        text        NOT NULL UNIQUE,
  description text,
  -- {name} or {label}, or NULL for any.
  consumer    jsonb,
  provider    jsonb,
  events      text[]      NOT NULL,
  enabled     boolean     NOT NULL DEFAULT true,
  request     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- One firing of a webhook for one event, retried with backoff until it succeeds or gives up.
CREATE TABLE broker_triggered_webhooks (
  id                 bigserial   PRIMARY KEY,
  uuid               text        NOT NULL UNIQUE,
  webhook_id         bigint      NOT NULL REFERENCES broker_webhooks (id) ON DELETE CASCADE,
  event_name         text        NOT NULL,
  context            jsonb       NOT NULL,
  status             text        NOT NULL CHECK (status IN ('not_run', 'retrying', 'success', 'failure')),
  attempts_made      integer     NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX broker_triggered_webhooks_due
  ON broker_triggered_webhooks (next_attempt_at) WHERE status IN ('not_run', 'retrying');

CREATE TABLE broker_webhook_executions (
  id                   bigserial   PRIMARY KEY,
  triggered_webhook_id bigint      NOT NULL REFERENCES broker_triggered_webhooks (id) ON DELETE CASCADE,
  success              boolean     NOT NULL,
  logs                 text        NOT NULL,
  created_at           timestamptz NOT NULL
);
CREATE INDEX broker_webhook_executions_triggered ON broker_webhook_executions (triggered_webhook_id);
