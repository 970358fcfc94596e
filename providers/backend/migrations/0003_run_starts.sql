-- The ledger the run limits count: one row per run started, by whom, kept
-- apart from backend_runs so deleting a thread (and its runs) does not give
-- its slots back. Rows older than the window are pruned as runs start.
CREATE TABLE backend_run_starts (
  run_id     uuid        PRIMARY KEY,
  tenant_id  uuid        NOT NULL,
  user_id    uuid        NOT NULL,
  started_at timestamptz NOT NULL
);
CREATE INDEX backend_run_starts_tenant ON backend_run_starts (tenant_id, started_at);
CREATE INDEX backend_run_starts_user ON backend_run_starts (user_id, started_at);
