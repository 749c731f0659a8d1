-- 020: claims on IMAP messages, so several daemons can drain one folder and none takes a message
-- twice. A message is known by (account, folder, uidvalidity, uid): RFC 3501 section 2.3.1.1
-- makes that quadruple unique for the life of the mailbox, and a UIDVALIDITY change starts a new
-- key space (old claims simply stop matching anything).
--
-- A claim is a lease: its owner renews expires_at while the message is in its pipeline. Once
-- the message left the folder (flagged and expunged, or moved) the claim is marked done and kept
-- for a day: another daemon's view of the folder may still list the UID for a moment (servers
-- report expunges lazily), and a done claim keeps it from taking the message again. A message
-- given back (release) has its claim deleted. A daemon that died leaves rows behind whose
-- expires_at passes; the next claimer deletes them and takes the message over. Claims are
-- written with INSERT ... ON CONFLICT DO NOTHING, so two daemons racing for one message get
-- exactly one row between them.
CREATE TABLE imap_claims (
  account     text NOT NULL,          -- "user@host:port" unless configured otherwise
  folder      text NOT NULL,
  uidvalidity bigint NOT NULL,        -- IMAP's 32-bit unsigned values do not fit an integer
  uid         bigint NOT NULL,
  owner       text NOT NULL,          -- "host:pid:source:random", one per running source
  claimed_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  done        boolean NOT NULL DEFAULT false,  -- the message left the folder after commit
  PRIMARY KEY (account, folder, uidvalidity, uid)
);
-- Renewal and release go by owner; the purge of expired rows by time.
CREATE INDEX imap_claims_owner ON imap_claims (owner) WHERE NOT done;
CREATE INDEX imap_claims_expires ON imap_claims (expires_at);
