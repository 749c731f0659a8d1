-- 003: a cheaper send import and the raw-mail purge.

-- sends_send_id duplicated the leading column of UNIQUE (send_id, recipient, sent_at), which
-- serves every lookup by send_id (the header join) as well; one index fewer to maintain for
-- each imported send.
DROP INDEX IF EXISTS sends_send_id;

-- `bounced db purge` finds the raw mail past its retention without scanning every stored
-- message; the index holds only rows that still have raw bytes, so it shrinks as they go.
CREATE INDEX bounce_messages_raw_expiry ON bounce_messages (raw_expires_at)
  WHERE raw_gz IS NOT NULL;
