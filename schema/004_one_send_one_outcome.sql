-- 004: one send, one outcome.
--
-- A send is one row whatever reports it: the send log (`sends import`), the MTA's log
-- (`maillog`) and later the API merge into it by send id, queue id or Message-ID + recipient.
-- The MTA's outcome (reply, relay, time) wins over the imported one; imported fields (send id,
-- campaign, customer) win over the log's placeholders.
--
-- One failure is one event: the DSN that our own MTA wrote for a refusal already recorded on
-- the send is marked same_failure and neither counts towards a suppression threshold nor makes
-- a decision of its own.

ALTER TABLE sends ADD COLUMN queue_id text NOT NULL DEFAULT '';        -- the MTA's queue id
ALTER TABLE sends ADD COLUMN outcome_at timestamptz;                   -- when the reply was given
ALTER TABLE sends ADD COLUMN outcome_source text NOT NULL DEFAULT '';  -- import | maillog | api
ALTER TABLE sends ADD COLUMN sources text[] NOT NULL DEFAULT '{}';     -- every source merged in
UPDATE sends SET queue_id = CASE WHEN send_id LIKE 'postfix:%' THEN substr(send_id, 9) ELSE '' END,
                 outcome_at = CASE WHEN sync_category <> 'pending' THEN sent_at END,
                 outcome_source = CASE WHEN sync_category <> 'pending' THEN source ELSE '' END,
                 sources = ARRAY[source];
-- sync_category now also takes 'deferred': the MTA got a 4xx and keeps retrying. It is not a
-- failure (yet): the send is still in the queue.
COMMENT ON COLUMN sends.sync_category IS
  'accepted | pending | deferred | hard | soft | quota | unknown';
CREATE INDEX sends_queue_id ON sends (queue_id) WHERE queue_id <> '';
-- Suppression evidence compares addresses without regard to case, as the MTA's access map does.
CREATE INDEX sends_recipient_key ON sends (lower(recipient), outcome_at);

-- Sends merged before this migration: a maillog row and an imported row with the same
-- Message-ID and recipient become the imported row, carrying the log's outcome.
CREATE TEMP TABLE send_merges ON COMMIT DROP AS
SELECT DISTINCT ON (m.id) m.id AS log_id, m.sent_at AS log_sent_at, i.id AS import_id,
       i.sent_at AS import_sent_at
FROM sends m JOIN sends i ON i.message_id = m.message_id AND lower(i.recipient) = lower(m.recipient)
 AND i.source = 'import' AND m.source = 'maillog' AND m.message_id <> ''
ORDER BY m.id, abs(extract(epoch FROM i.sent_at - m.sent_at));
DELETE FROM send_merges a USING send_merges b
 WHERE a.import_id = b.import_id AND a.log_id > b.log_id;
UPDATE sends i SET queue_id = m.queue_id, reply_code = m.reply_code,
       enhanced_status = m.enhanced_status, reply_text = m.reply_text,
       sync_category = m.sync_category, sync_reason = m.sync_reason, sync_rule = m.sync_rule,
       outcome_at = m.outcome_at, outcome_source = 'maillog',
       attrs = m.attrs || i.attrs, sources = ARRAY['import', 'maillog']
FROM send_merges x JOIN sends m ON m.id = x.log_id AND m.sent_at = x.log_sent_at
WHERE i.id = x.import_id AND i.sent_at = x.import_sent_at AND m.sync_category <> 'pending';
UPDATE bounces b SET send_row_id = x.import_id, send_sent_at = x.import_sent_at
FROM send_merges x WHERE b.send_row_id = x.log_id AND b.send_sent_at = x.log_sent_at;
DELETE FROM sends s USING send_merges x WHERE s.id = x.log_id AND s.sent_at = x.log_sent_at;

ALTER TABLE bounces ADD COLUMN same_failure boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN bounces.same_failure IS
  'the DSN our MTA wrote for a refusal already recorded on the joined send: not counted again';
COMMENT ON COLUMN bounces.category IS
  'hard | soft | quota | complaint | auto_reply | delivered | delayed | unknown';
CREATE INDEX bounces_recipient_key ON bounces (lower(recipient), received_at);
-- A join by recipient and time is a guess that a later send matching by VERP, Message-ID or
-- header replaces: the late join looks at those as it looks at unjoined ones.
CREATE INDEX bounces_rejoinable ON bounces (received_at)
  WHERE send_row_id IS NULL OR join_method = 'recipient_window';
UPDATE bounces SET category = 'delayed' WHERE action = 'delayed';
UPDATE bounces b SET same_failure = true FROM sends s
 WHERE s.id = b.send_row_id AND s.sent_at = b.send_sent_at
   AND s.sync_category IN ('hard', 'soft', 'quota', 'unknown')
   AND b.category IN ('hard', 'soft', 'quota', 'unknown')
   AND b.join_method IN ('verp', 'message_id', 'header')
   AND (lower(b.recipient) = lower(s.recipient) OR lower(b.original_recipient) = lower(s.recipient));

-- received_at is when bounced received the mail; the report's own Date header, written by a
-- stranger's clock, is kept as written.
ALTER TABLE bounce_messages ADD COLUMN report_date text NOT NULL DEFAULT '';

-- Suppressions are keyed by the address in lower case: Postfix folds access-map keys to lower
-- case, so `suppressions check` must answer as the exported map does. Rows that differ only in
-- case keep the latest.
DELETE FROM suppressions a USING suppressions b
 WHERE lower(a.address) = lower(b.address) AND a.address <> b.address
   AND (b.updated_at, b.address) > (a.updated_at, a.address);
UPDATE suppressions SET address = lower(address) WHERE address <> lower(address);
ALTER TABLE suppressions ADD CONSTRAINT suppressions_address_lower CHECK (address = lower(address));
UPDATE suppression_events SET address = lower(address) WHERE address <> lower(address);
CREATE INDEX suppression_events_address ON suppression_events (address, at);
CREATE TEMP TABLE merged_resets ON COMMIT DROP AS
SELECT lower(address) AS address, max(reset_at) AS reset_at FROM address_resets GROUP BY 1;
DELETE FROM address_resets;
INSERT INTO address_resets SELECT * FROM merged_resets;

-- Partitions are created one process at a time, so two processes that need the same month at
-- once do not both try (the loser used to fail with "relation already exists"). The lock is
-- SHARE UPDATE EXCLUSIVE on the parent: it conflicts only with itself (writers go on), and
-- taking a table lock makes this transaction read the catalog afresh, so the second creator
-- sees the first one's partition. Call it in a transaction that holds no lock on `parent` yet.
CREATE OR REPLACE FUNCTION bounced_ensure_month(parent regclass, day timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  first timestamp := date_trunc('month', day AT TIME ZONE 'UTC');
  name text := format('%s_%s', parent::text, to_char(first, 'YYYY_MM'));
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN;
  END IF;
  EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', parent);
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                   name, parent, first::text || '+00', (first + interval '1 month')::text || '+00');
  END IF;
END $$;

-- The views, for the new states and columns.
DROP VIEW domain_bounce_rates;
DROP VIEW delivery_outcomes;
DROP VIEW send_verdicts;

-- The worst asynchronous verdict of each send: an objection (ARF abuse, fraud, opt-out) >
-- hard > quota > soft > unknown > auto_reply > other feedback (not-spam, virus, auth-failure
-- reports) > delivered > delayed, earliest first among equals.
CREATE VIEW send_verdicts AS
SELECT DISTINCT ON (b.send_row_id)
       b.send_row_id, b.send_sent_at, b.id AS bounce_id, b.received_at, b.category, b.reason,
       b.rule, b.join_method, b.same_failure
FROM bounces b
WHERE b.send_row_id IS NOT NULL
ORDER BY b.send_row_id,
         CASE WHEN b.category = 'complaint' AND b.reason IN ('abuse', 'fraud', 'unsubscribe')
                THEN 0
              WHEN b.category = 'hard' THEN 1 WHEN b.category = 'quota' THEN 2
              WHEN b.category = 'soft' THEN 3 WHEN b.category = 'unknown' THEN 4
              WHEN b.category = 'auto_reply' THEN 5 WHEN b.category = 'complaint' THEN 6
              WHEN b.category = 'delivered' THEN 7 WHEN b.category = 'delayed' THEN 8
              ELSE 9 END,
         b.received_at;

-- One row per send and recipient with its final state:
--   sync_hard | sync_soft | sync_quota | sync_unknown   refused at send time (the DSN our MTA
--                                                       wrote for it is the same failure)
--   complaint                                           the recipient objected (ARF abuse,
--                                                       fraud, opt-out)
--   async_hard | async_quota | async_soft | async_unknown   accepted, then a report said so
--   auto_reply                                          only an auto-reply came back
--   feedback                                            another feedback report (not-spam,
--                                                       virus, auth-failure): not a complaint
--   deferred                                            the MTA got a 4xx and is retrying
--   delayed                                             a delay warning, and no outcome since
--   pending                                             no reply recorded yet
--   accepted                                            accepted and nothing bad came back
-- async_delay: how long after the send the asynchronous verdict arrived.
CREATE VIEW delivery_outcomes AS
SELECT s.id AS send_row_id, s.send_id, s.queue_id, s.message_id, s.recipient, s.recipient_domain,
       s.campaign, s.list_id, s.customer, s.sent_at,
       s.reply_code AS sync_reply_code, s.enhanced_status AS sync_status,
       s.sync_category, s.sync_reason, s.outcome_at, s.outcome_source, s.sources,
       v.bounce_id, v.received_at, v.category AS async_category, v.reason AS async_reason,
       v.rule AS async_rule, v.join_method,
       CASE
         WHEN s.sync_category IN ('hard', 'soft', 'quota', 'unknown') THEN 'sync_' || s.sync_category
         WHEN v.category = 'complaint' AND v.reason IN ('abuse', 'fraud', 'unsubscribe')
           THEN 'complaint'
         WHEN v.category IN ('hard', 'soft', 'quota', 'unknown') THEN 'async_' || v.category
         WHEN v.category = 'auto_reply' THEN 'auto_reply'
         WHEN v.category = 'complaint' THEN 'feedback'
         WHEN s.sync_category = 'deferred' THEN 'deferred'
         WHEN v.category = 'delayed'
              AND (s.outcome_at IS NULL OR s.outcome_at <= v.received_at) THEN 'delayed'
         WHEN s.sync_category = 'pending' AND v.category IS NULL THEN 'pending'
         ELSE 'accepted'
       END AS final_state,
       v.received_at - s.sent_at AS async_delay
FROM sends s
LEFT JOIN send_verdicts v ON v.send_row_id = s.id AND v.send_sent_at = s.sent_at;

-- Per recipient domain and day of sending: sends, and how many ended hard / soft (quota
-- included) / unknown failures, synchronously or not, and complaints. bounce_rate is the share
-- of sends that failed; complaint_rate the share that drew a complaint.
CREATE VIEW domain_bounce_rates AS
SELECT date_trunc('day', sent_at) AS day, recipient_domain,
       count(*) AS sends,
       count(*) FILTER (WHERE final_state IN ('sync_hard', 'async_hard')) AS hard,
       count(*) FILTER (WHERE final_state IN ('sync_soft', 'async_soft', 'sync_quota', 'async_quota')) AS soft,
       count(*) FILTER (WHERE final_state IN ('sync_unknown', 'async_unknown')) AS unknown,
       count(*) FILTER (WHERE final_state = 'complaint') AS complaints,
       round(count(*) FILTER (WHERE final_state IN ('sync_hard', 'async_hard', 'sync_soft',
              'async_soft', 'sync_quota', 'async_quota', 'sync_unknown', 'async_unknown'))::numeric
             / count(*), 4) AS bounce_rate,
       round(count(*) FILTER (WHERE final_state = 'complaint')::numeric / count(*), 4)
         AS complaint_rate
FROM delivery_outcomes
GROUP BY 1, 2;
