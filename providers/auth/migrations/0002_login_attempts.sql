-- A login attempt is written before its password is checked, so attempts in
-- flight at the same moment count against each other; the id names one
-- attempt, to take back the row of one refused before it was tried. Failures
-- are also counted per email across all addresses, hence the second index.
ALTER TABLE auth_login_failures ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX auth_login_failures_email ON auth_login_failures (email, failed_at);
