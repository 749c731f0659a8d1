-- 006: one index fewer to maintain for every imported or logged send.
--
-- sends_recipient (recipient, sent_at) served only the recipient-and-time join of a bounce to
-- its send. That join now looks the address up through sends_recipient_key (lower(recipient),
-- outcome_at; migration 004, which the suppression evidence needs anyway) and keeps its exact
-- comparison of the address as a filter: a recipient has few sends in the partitions its time
-- window prunes to. The index entry per send was ~1/6 of the INSERT into sends.
DROP INDEX IF EXISTS sends_recipient;
