-- The W3C trace id of the request (or /ws start_run) that started a run, so
-- the runner's log lines, and the gateways' lines for the run's events in
-- whatever process, carry the trace of the user action behind them. Runs
-- stored before this have none: their lines get a trace of their own.
ALTER TABLE backend_runs
  ADD COLUMN trace_id text CHECK (trace_id ~ '^[0-9a-f]{32}$');
