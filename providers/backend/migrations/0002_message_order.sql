-- Messages list in the order they were created. created_at cannot say it alone
-- (two messages in one millisecond tie) and the id breaks such ties at random,
-- so each message takes a number from one sequence as it is inserted.
ALTER TABLE backend_messages ADD COLUMN seq bigint;

-- Messages stored before keep the order they were listed in until now.
UPDATE backend_messages m
   SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM backend_messages) o
 WHERE m.id = o.id;

ALTER TABLE backend_messages ALTER COLUMN seq SET NOT NULL;
ALTER TABLE backend_messages ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('backend_messages', 'seq'), COALESCE(max(seq), 0) + 1, false)
  FROM backend_messages;

DROP INDEX backend_messages_page;
CREATE INDEX backend_messages_page ON backend_messages (thread_id, seq);
