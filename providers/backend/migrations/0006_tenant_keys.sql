-- A run, a message or an event belongs to its thread's (or run's) tenant, and
-- the database now says so: keys on (tenant_id, id) refuse a row that names
-- another tenant's thread or run, whatever the code above it does. The code
-- checks the tenant in every query; this is the second line, not the first.
ALTER TABLE backend_threads ADD CONSTRAINT backend_threads_tenant_key UNIQUE (tenant_id, id);
ALTER TABLE backend_runs ADD CONSTRAINT backend_runs_tenant_key UNIQUE (tenant_id, id);

ALTER TABLE backend_runs
  DROP CONSTRAINT backend_runs_thread_id_fkey,
  ADD CONSTRAINT backend_runs_thread_fkey FOREIGN KEY (tenant_id, thread_id)
    REFERENCES backend_threads (tenant_id, id) ON DELETE CASCADE;

ALTER TABLE backend_messages
  DROP CONSTRAINT backend_messages_thread_id_fkey,
  ADD CONSTRAINT backend_messages_thread_fkey FOREIGN KEY (tenant_id, thread_id)
    REFERENCES backend_threads (tenant_id, id) ON DELETE CASCADE;

ALTER TABLE backend_run_events
  DROP CONSTRAINT backend_run_events_run_id_fkey,
  ADD CONSTRAINT backend_run_events_run_fkey FOREIGN KEY (tenant_id, run_id)
    REFERENCES backend_runs (tenant_id, id) ON DELETE CASCADE,
  ADD CONSTRAINT backend_run_events_thread_fkey FOREIGN KEY (tenant_id, thread_id)
    REFERENCES backend_threads (tenant_id, id) ON DELETE CASCADE;
