-- Threads, messages, agent runs and their events. Every row carries its
-- tenant_id, and every query filters on it: the tenant comes from the token.

CREATE TABLE backend_threads (
  id         uuid        PRIMARY KEY,
  tenant_id  uuid        NOT NULL,
  title      text        NOT NULL,
  metadata   jsonb       NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- Keyset pagination, newest first.
CREATE INDEX backend_threads_page ON backend_threads (tenant_id, created_at DESC, id DESC);

CREATE TABLE backend_runs (
  id             uuid        PRIMARY KEY,
  tenant_id      uuid        NOT NULL,
  thread_id      uuid        NOT NULL REFERENCES backend_threads (id) ON DELETE CASCADE,
  agent_name     text        NOT NULL,
  input          text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  final_response text,
  created_at     timestamptz NOT NULL,
  started_at     timestamptz,
  completed_at   timestamptz
);
CREATE INDEX backend_runs_thread ON backend_runs (thread_id);

CREATE TABLE backend_messages (
  id              uuid        PRIMARY KEY,
  tenant_id       uuid        NOT NULL,
  thread_id       uuid        NOT NULL REFERENCES backend_threads (id) ON DELETE CASCADE,
  role            text        NOT NULL CHECK (role IN ('user', 'assistant')),
  content         text        NOT NULL,
  run_id          uuid        REFERENCES backend_runs (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL,
  -- Idempotency-Key of the request that created it, and a digest of that request's body.
  idempotency_key text,
  request_digest  text
);
CREATE INDEX backend_messages_page ON backend_messages (thread_id, created_at, id);
CREATE UNIQUE INDEX backend_messages_idempotency ON backend_messages (thread_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
-- The search tool looks through a tenant's messages.
CREATE INDEX backend_messages_tenant ON backend_messages (tenant_id);

-- Stored before they are sent: the gateway replays from here.
CREATE TABLE backend_run_events (
  run_id     uuid        NOT NULL REFERENCES backend_runs (id) ON DELETE CASCADE,
  seq        integer     NOT NULL CHECK (seq >= 1),
  tenant_id  uuid        NOT NULL,
  thread_id  uuid        NOT NULL,
  event      jsonb       NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, seq)
);
