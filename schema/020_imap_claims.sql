-- 020: claims on IMAP messages, so several daemons can drain one folder and none takes a message
-- twice. A message is known by (account, folder, uidvalidity, uid): RFC 3501 section 2.3.1.1
-- makes that quadruple unique for the life of the mailbox, and a UIDVALIDITY change starts a new
-- key space (old claims simply stop matching anything).
--
-- A claim is a lease: its owner renews expires_at while the message is in its pipeline and
-- deletes the row once the message left the folder (flagged and expunged, or moved). A daemon
-- that died leaves rows behind whose expires_at passes; the next claimer deletes them and takes
-- the message over. Claims are written with INSERT ... ON CONFLICT DO NOTHING, so two daemons
-- racing for one message get exactly one row between them.
CREATE TABLE imap_claims (
  account     text NOT NULL,          -- "user@host:port" unless configured otherwise
  folder      text NOT NULL,
  uidvalidity bigint NOT NULL,        -- IMAP's 32-bit unsigned values do not fit an integer
  uid         bigint NOT NULL,
  owner       text NOT NULL,          -- "host:pid:source:random", one per running source
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (account, folder, uidvalidity, uid)
);
-- Renewal and release go by owner.
CREATE INDEX imap_claims_owner ON imap_claims (owner);
