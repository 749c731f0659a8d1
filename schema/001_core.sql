-- 001: the core tables. Sends and bounces are partitioned by month (declarative partitioning,
-- PostgreSQL 11+) so a large sender can keep years and drop old months as whole tables.
-- Monthly partitions are created on demand by bounced_ensure_month(); bounced calls it for every
-- month a batch touches before writing. Identity columns on partitioned tables need PostgreSQL
-- 17, so ids come from plain sequences to keep 13-16 working.

-- Creates the partition of `parent` holding the month of `day` if it is missing.
-- Bounds are written in UTC so they do not depend on the session time zone.
CREATE FUNCTION bounced_ensure_month(parent regclass, day timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  first timestamp := date_trunc('month', day AT TIME ZONE 'UTC');
  name text := format('%s_%s', parent::text, to_char(first, 'YYYY_MM'));
BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                   name, parent, first::text || '+00', (first + interval '1 month')::text || '+00');
  END IF;
END $$;

-- One row per message and recipient as the sending side saw it: the synchronous outcome.
CREATE SEQUENCE sends_id_seq;
CREATE TABLE sends (
  id               bigint NOT NULL DEFAULT nextval('sends_id_seq'),
  send_id          text NOT NULL,          -- the sender's id, or "postfix:<queue id>"
  message_id       text NOT NULL DEFAULT '',  -- without angle brackets
  verp_token       text NOT NULL DEFAULT '',
  recipient        text NOT NULL,          -- normalised: local part as given, domain lower-case ACE
  recipient_domain text NOT NULL,
  campaign         text NOT NULL DEFAULT '',
  list_id          text NOT NULL DEFAULT '',
  customer         text NOT NULL DEFAULT '',
  attrs            jsonb NOT NULL DEFAULT '{}',
  sent_at          timestamptz NOT NULL,
  reply_code       text NOT NULL DEFAULT '',   -- "250", "550"
  enhanced_status  text NOT NULL DEFAULT '',   -- "5.1.1"
  reply_text       text NOT NULL DEFAULT '',
  sync_category    text NOT NULL,   -- accepted | pending | hard | soft | quota | unknown
  sync_reason      text NOT NULL DEFAULT '',
  sync_rule        text NOT NULL DEFAULT '',
  source           text NOT NULL,   -- import | maillog
  recorded_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, sent_at),
  UNIQUE (send_id, recipient, sent_at)
) PARTITION BY RANGE (sent_at);
CREATE INDEX sends_message_id ON sends (message_id) WHERE message_id <> '';
CREATE INDEX sends_verp_token ON sends (verp_token) WHERE verp_token <> '';
CREATE INDEX sends_recipient ON sends (recipient, sent_at);
CREATE INDEX sends_send_id ON sends (send_id);

-- One row per incoming mail, whatever it turned out to be. The fingerprint (SHA-256 of the raw
-- bytes) makes replaying a mailbox a no-op; the raw bytes are kept zlib-compressed until
-- raw_expires_at so a wrong verdict can be re-classified after a rule fix.
CREATE TABLE bounce_messages (
  fingerprint         text PRIMARY KEY,
  received_at         timestamptz NOT NULL,
  source              text NOT NULL,
  kind                text NOT NULL,
  format              text NOT NULL DEFAULT '',
  report_message_id   text NOT NULL DEFAULT '',
  original_message_id text NOT NULL DEFAULT '',
  envelope_recipient  text NOT NULL DEFAULT '',
  verp_token          text NOT NULL DEFAULT '',
  send_header         text NOT NULL DEFAULT '',
  raw_size            integer NOT NULL DEFAULT 0,
  raw_gz              bytea,
  raw_expires_at      timestamptz,
  stored_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounce_messages_received ON bounce_messages (received_at);

-- One row per recipient of an incoming report: the asynchronous verdict and the send it answers.
CREATE SEQUENCE bounces_id_seq;
CREATE TABLE bounces (
  id                  bigint NOT NULL DEFAULT nextval('bounces_id_seq'),
  fingerprint         text NOT NULL,
  received_at         timestamptz NOT NULL,
  recipient           text NOT NULL,
  recipient_domain    text NOT NULL,
  original_recipient  text NOT NULL DEFAULT '',
  kind                text NOT NULL,
  category            text NOT NULL,
  reason              text NOT NULL,
  rule                text NOT NULL,
  action              text NOT NULL DEFAULT '',
  status              text NOT NULL DEFAULT '',
  reply_code          text NOT NULL DEFAULT '',
  diagnostic          text NOT NULL DEFAULT '',
  remote_mta          text NOT NULL DEFAULT '',
  -- The keys the join looks for, kept so a send that arrives later can still be found.
  original_message_id text NOT NULL DEFAULT '',
  verp_token          text NOT NULL DEFAULT '',
  send_header         text NOT NULL DEFAULT '',
  send_row_id         bigint,
  send_sent_at        timestamptz,
  join_method         text,           -- verp | message_id | header | recipient_window
  joined_at           timestamptz,
  joined_late         boolean NOT NULL DEFAULT false,
  reclassified_at     timestamptz,
  PRIMARY KEY (id, received_at),
  UNIQUE (fingerprint, recipient, received_at)
) PARTITION BY RANGE (received_at);
CREATE INDEX bounces_unjoined ON bounces (received_at) WHERE send_row_id IS NULL;
CREATE INDEX bounces_send ON bounces (send_row_id) WHERE send_row_id IS NOT NULL;
CREATE INDEX bounces_recipient ON bounces (recipient, received_at);
CREATE INDEX bounces_fingerprint ON bounces (fingerprint);

-- The current suppression of each address. A row stays after removal or expiry so the history
-- of an address is one lookup; suppression_events keeps every change.
CREATE TABLE suppressions (
  address       text PRIMARY KEY,
  domain        text NOT NULL,
  state         text NOT NULL CHECK (state IN ('active', 'removed', 'lifted')),
  category      text NOT NULL,
  reason        text NOT NULL DEFAULT '',
  bounce_id     bigint,
  first_at      timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,            -- soft suppressions end; NULL = until removed
  removed_at    timestamptz,            -- a manual removal holds until a new hard or complaint
  note          text NOT NULL DEFAULT ''
);
CREATE INDEX suppressions_updated ON suppressions (updated_at);

CREATE TABLE suppression_events (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  address    text NOT NULL,
  action     text NOT NULL,   -- suppress | remove | lift | reset
  category   text NOT NULL DEFAULT '',
  reason     text NOT NULL DEFAULT '',
  bounce_id  bigint,
  note       text NOT NULL DEFAULT ''
);
CREATE INDEX suppression_events_at ON suppression_events (at);

-- When the soft and quota counts of an address last started again from zero (a delivery).
CREATE TABLE address_resets (
  address   text PRIMARY KEY,
  reset_at  timestamptz NOT NULL
);

-- Verdict changes made by `bounced reclassify`.
CREATE TABLE reclassifications (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  bounce_id     bigint NOT NULL,
  old_category  text NOT NULL,
  old_reason    text NOT NULL,
  old_rule      text NOT NULL,
  new_category  text NOT NULL,
  new_reason    text NOT NULL,
  new_rule      text NOT NULL
);

-- Events for webhooks, written in the same transaction as the change they announce.
CREATE TABLE outbox (
  id            bigserial PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  event         text NOT NULL,
  payload       jsonb NOT NULL,
  delivered_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;

-- Where `bounced maillog` stopped in each log, keyed by the file's first line so a rotated copy
-- (maillog -> maillog.1 -> maillog.2.gz) is recognised and neither skipped nor read twice.
CREATE TABLE maillog_positions (
  file_key     text PRIMARY KEY,
  path         text NOT NULL,
  byte_offset  bigint NOT NULL,
  line_number  bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Postfix queue ids seen in cleanup/qmgr lines whose deliveries may come in a later batch.
CREATE TABLE maillog_queue (
  queue_id    text PRIMARY KEY,
  message_id  text NOT NULL DEFAULT '',
  sender      text NOT NULL DEFAULT '',
  first_seen  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
