-- Who runs a run, and until when. A runner claims a run in the transaction
-- that stores it and renews the claim while it executes; a run still queued or
-- running whose lease has lapsed belongs to a backend that died (or hung past
-- its lease), and any backend's sweeper ends it as failed. owner_id is random
-- per backend process, so a restarted process never mistakes its
-- predecessor's runs for its own.
ALTER TABLE backend_runs ADD COLUMN owner_id uuid;
ALTER TABLE backend_runs ADD COLUMN lease_expires_at timestamptz;

-- Runs left unfinished before this migration have no lease (NULL), which the
-- sweeper reads as lapsed: no runner of this version holds them.

-- The sweeper's question, "which unfinished runs have lapsed?", reads only
-- the few unfinished runs, never the finished history.
CREATE INDEX backend_runs_unfinished ON backend_runs (lease_expires_at)
  WHERE status IN ('queued', 'running');
